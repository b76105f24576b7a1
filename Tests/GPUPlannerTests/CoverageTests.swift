import DelegateABI
import GPUShared
import Testing

/// GpuProgram.node_computed_by, which profile events use to name the nodes each dispatch computes:
/// a fused or folded node points at the node whose dispatch does its work, a free one at none.
@Suite struct CoverageTests {
    private func computedBy(_ p: PlannedProgram) -> [Int32: Int32] {
        var map: [Int32: Int32] = [:]
        for i in 0..<Int(p.program.node_count) { map[p.program.node_graph[i]] = p.program.node_computed_by[i] }
        return map
    }

    @Test func foldedPadAndFusedActivationPointAtTheConvolution() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let out = g.unary(LITE_OP_RELU, g.conv(g.pad(input, [0, 0, 1, 1, 1, 1, 0, 0]), outChannels: 8, padding: LITE_PADDING_VALID))
        let p = try g.planned(inputs: [input], outputs: [out])
        // Nodes 0 (PAD), 1 (CONV_2D), 2 (RELU): one dispatch, for node 1.
        #expect(p.kernelDispatches.map(\.node) == [1])
        #expect(computedBy(p) == [0: 1, 1: 1, 2: 1])
    }

    @Test func unfusedNodesComputeThemselves() throws {
        // The convolution's output has two readers, so neither activation fuses into it.
        let g = GraphBuilder()
        let conv = g.conv(g.tensor([1, 8, 8, 4]), outChannels: 4)
        let p = try g.planned(inputs: [0], outputs: [g.unary(LITE_OP_RELU, conv), g.unary(LITE_OP_TANH, conv)])
        #expect(computedBy(p) == [0: 0, 1: 1, 2: 2])
    }

    @Test(arguments: 0..<32)
    func everyDispatchNamesAsManyNodesAsItRuns(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        let g = GraphBuilder()
        let (inputs, outputs) = RandomGraphTests.randomGraph(g, &rng)
        let p = try g.planned(inputs: inputs, outputs: outputs)
        let map = computedBy(p)
        #expect(map.count == Int(p.program.node_count))
        let dispatchNodes = Set(p.kernelDispatches.map(\.node))
        for (node, by) in map where by >= 0 { #expect(dispatchNodes.contains(by), "node \(node) computed by \(by)") }
        for node in dispatchNodes {
            let named = map.values.filter { $0 == node }.count
            let fused = p.kernelDispatches.filter { $0.node == node }.map(\.fusedNodes).max() ?? 0
            #expect(named == Int(fused), "dispatch of node \(node)")
        }
    }
}
