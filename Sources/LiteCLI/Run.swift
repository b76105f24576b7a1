import ArgumentParser
import Foundation
import LiteHost
import LiteImageInput

extension Lite {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a model on .npy inputs or PNG/JPEG images and write its outputs as .npy files.")

        @Argument(help: "The .tflite model.")
        var model: String

        @Option(name: .long, help: "An input .npy file; one per model input, in the model's input order.")
        var input: [String] = []

        @Option(name: .long, help: ArgumentHelp(
            "A PNG or JPEG image for a float32 [1, height, width, 1|3] input, resized to its height and width; "
                + "one per model input, in order (instead of --input).", valueName: "file"))
        var image: [String] = []

        @Option(name: .long, help: ArgumentHelp("Image normalisation: the pixel range, --range=0,1 (default) or --range=-1,1.", valueName: "range"))
        var range: ImageRange?

        @Option(name: .long, help: "Image normalisation: (pixel - mean) / std, with --std (pixels are 0-255).")
        var mean: Float?

        @Option(name: .long, help: "See --mean.")
        var std: Float?

        @Option(name: .long, help: "Folder for output_0.npy, output_1.npy, ... (created if missing).")
        var outputDir: String

        @Flag(name: .long, help: "Resize model inputs to the shapes of the given arrays.")
        var resize = false

        @OptionGroup var selection: DelegateSelection

        func run() throws {
            try reportingErrors {
                let interpreter = try Interpreter(modelPath: model, options: selection.interpreterOptions())
                if !image.isEmpty { return try runOnImages(interpreter) }
                guard input.count == interpreter.inputTensorCount else {
                    throw CLIError("model has \(interpreter.inputTensorCount) inputs, got \(input.count) --input files")
                }
                let arrays = try input.map { try NumpyArray(contentsOf: $0) }
                for (index, array) in arrays.enumerated() {
                    let expected = try interpreter.input(at: index)
                    guard array.dataType == expected.dataType else {
                        throw CLIError("input \(index) (\(input[index])): dtype \(array.dataType), the model expects \(expected.dataType)")
                    }
                    if array.shape != expected.shape {
                        guard resize else {
                            throw CLIError("input \(index) (\(input[index])): shape \(shapeText(array.shape)) does not match "
                                + "the model's \(shapeText(expected.shape)) (pass --resize to resize the input)")
                        }
                        try interpreter.resizeInput(at: index, to: array.shape)
                    }
                }
                try interpreter.allocateTensors()
                for (index, array) in arrays.enumerated() { try interpreter.copy(array.data, toInputAt: index) }
                try interpreter.invoke()
                try writeOutputs(interpreter)
            }
        }

        func validate() throws {
            if !image.isEmpty, !input.isEmpty { throw ValidationError("give --input or --image, not both") }
            if range != nil, mean != nil || std != nil { throw ValidationError("give --range or --mean/--std, not both") }
            if (mean == nil) != (std == nil) { throw ValidationError("--mean and --std go together") }
            if let std, std == 0 || !std.isFinite { throw ValidationError("--std must be a non-zero number") }
            if image.isEmpty, range != nil || mean != nil { throw ValidationError("--range, --mean and --std apply to --image") }
        }

        private func runOnImages(_ interpreter: Interpreter) throws {
            guard image.count == interpreter.inputTensorCount else {
                throw CLIError("model has \(interpreter.inputTensorCount) inputs, got \(image.count) --image files")
            }
            let (mean, std) = self.mean.flatMap { m in self.std.map { (m, $0) } } ?? (range ?? .zeroToOne).meanAndStd
            try interpreter.allocateTensors()
            for (index, file) in image.enumerated() {
                try interpreter.fillInput(at: index, fromImage: file, mean: mean, std: std)
            }
            try interpreter.invoke()
            try writeOutputs(interpreter)
        }

        private func writeOutputs(_ interpreter: Interpreter) throws {
            try OutputFolder.create(outputDir)
            for index in 0..<interpreter.outputTensorCount {
                let path = (outputDir as NSString).appendingPathComponent("output_\(index).npy")
                try OutputFolder.write(NumpyArray(tensor: try interpreter.output(at: index)).npyData, to: path)
            }
        }
    }
}

/// `--range`: the interval pixels 0-255 are mapped to.
enum ImageRange: String, ExpressibleByArgument, CaseIterable {
    case zeroToOne = "0,1"
    case minusOneToOne = "-1,1"

    var meanAndStd: (Float, Float) {
        switch self {
        case .zeroToOne: (0, 255)
        case .minusOneToOne: (127.5, 127.5)
        }
    }
}

/// Writing `lite run`'s outputs, with the system's reason when it fails.
enum OutputFolder {
    /// Creates `path` and its parents unless it is a directory already.
    static func create(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CLIError("output directory \(path) is a file, not a directory") }
            return
        }
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o777) != 0, errno != EEXIST {
                throw CLIError("cannot create output directory \(built): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Writes `data` to `path` (replacing it).
    static func write(_ data: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        guard descriptor >= 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }
}
