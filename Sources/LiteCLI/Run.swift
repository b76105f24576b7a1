import ArgumentParser
import Foundation
import LiteHost

extension Lite {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a model on .npy inputs and write its outputs as .npy files.")

        @Argument(help: "The .tflite model.")
        var model: String

        @Option(name: .long, help: "An input .npy file; one per model input, in the model's input order.")
        var input: [String] = []

        @Option(name: .long, help: "Folder for output_0.npy, output_1.npy, ... (created if missing).")
        var outputDir: String

        @Flag(name: .long, help: "Resize model inputs to the shapes of the given arrays.")
        var resize = false

        @OptionGroup var selection: DelegateSelection

        func run() throws {
            try reportingErrors {
                let interpreter = try Interpreter(modelPath: model, options: selection.interpreterOptions())
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
                try OutputFolder.create(outputDir)
                for index in 0..<interpreter.outputTensorCount {
                    let path = (outputDir as NSString).appendingPathComponent("output_\(index).npy")
                    try OutputFolder.write(NumpyArray(tensor: try interpreter.output(at: index)).npyData, to: path)
                }
            }
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
