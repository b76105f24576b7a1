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
                try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
                for index in 0..<interpreter.outputTensorCount {
                    let path = (outputDir as NSString).appendingPathComponent("output_\(index).npy")
                    let array = NumpyArray(tensor: try interpreter.output(at: index))
                    guard FileManager.default.createFile(atPath: path, contents: array.npyData) else {
                        throw CLIError("cannot write \(path)")
                    }
                }
            }
        }
    }
}
