// Runs a model on the delegates named on the command line (default: cpu) and prints output 0's
// largest values: swift run SwiftApp MODEL [DELEGATE ...]
import Foundation
import LiteHost

let arguments = CommandLine.arguments.dropFirst()
guard let modelPath = arguments.first else {
    FileHandle.standardError.write(Data("usage: SwiftApp MODEL [DELEGATE ...]\n".utf8))
    exit(2)
}
do {
    let delegates = arguments.count > 1 ? Array(arguments.dropFirst()) : ["cpu"]
    let interpreter = try Interpreter(modelPath: modelPath, options: InterpreterOptions(delegates: delegates))
    try interpreter.allocateTensors()
    let input = try interpreter.input(at: 0)
    try interpreter.copy(Data(count: input.data.count), toInputAt: 0)
    try interpreter.invoke()
    for partition in interpreter.partitionPlan.partitions {
        print("\(partition.nodes.count) nodes on \(partition.delegate)")
    }
    let output = try interpreter.output(at: 0)
    let top = output.floats.enumerated().sorted { $0.element > $1.element }.prefix(3)
    print("output 0 '\(output.name)' \(output.shape): " + top.map { "\($0.offset)=\($0.element)" }.joined(separator: " "))
} catch {
    FileHandle.standardError.write(Data("SwiftApp: \(error)\n".utf8))
    exit(1)
}
