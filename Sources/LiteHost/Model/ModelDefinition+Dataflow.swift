/// Who writes and who reads each tensor: the one place the graph's edges are computed, for the
/// validation, the optimiser's rewrites and the partitioner.
extension ModelDefinition {
    /// For each tensor, the index of the first operator that writes it (nil for model inputs,
    /// constants and tensors nothing writes). A valid graph writes each tensor once
    /// (`GraphValidation`), so after validation this is its only writer.
    func producers() -> [Int?] {
        var writers = Array(repeating: Int?.none, count: tensors.count)
        for (index, op) in operators.enumerated() {
            for output in op.outputs where output >= 0 && writers[Int(output)] == nil { writers[Int(output)] = index }
        }
        return writers
    }

    /// For each tensor, the indices of the operators that read it (each once, in model order).
    func consumers() -> [[Int]] {
        var readers = Array(repeating: [Int](), count: tensors.count)
        for (index, op) in operators.enumerated() {
            for input in Set(op.inputs) where input >= 0 { readers[Int(input)].append(index) }
        }
        return readers
    }

    /// For each node, the earlier nodes that produce its inputs, each once, in the order the node
    /// reads them. A tensor produced by the node itself or by a later node is not a dependency:
    /// `GraphValidation` refuses such graphs before anything plans them.
    func nodeDependencies() -> [[Int]] {
        let writers = producers()
        return operators.enumerated().map { node, op in
            var list: [Int] = []
            for input in op.inputs where input >= 0 {
                if let producer = writers[Int(input)], producer < node, !list.contains(producer) { list.append(producer) }
            }
            return list
        }
    }
}
