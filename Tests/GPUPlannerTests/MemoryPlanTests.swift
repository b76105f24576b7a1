import DelegateABI
import GPUShared
import Testing

/// What every planned program must satisfy, whatever its graph: checked by the fixed tests below and
/// by the randomised ones (RandomGraphTests).
enum ProgramInvariants {
    /// Stored tensors whose lifetimes (first..last dispatch) overlap never share arena bytes; every
    /// offset is aligned and inside the arena; blobs likewise in the constant buffer.
    static func checkMemoryPlan(_ p: PlannedProgram, alignment: Int) {
        let align = max(alignment, 16)
        var program = p.program
        // Lifetimes from the dispatch list itself, not from what the planner recorded.
        var lifetime: [Int: ClosedRange<Int>] = [:]
        for (n, d) in p.dispatches.enumerated() {
            for b in d.bindings where b.kind == GPU_RESOURCE_TENSOR {
                let first = lifetime[Int(b.index)]?.lowerBound ?? n
                lifetime[Int(b.index)] = first...n
            }
        }
        let stored = lifetime.keys.sorted()
        #expect(stored.count == Int(p.program.stored_tensors))
        for i in stored {
            let t = p.tensors[i]
            let bytes = gpu_tensor_bytes(&program, Int32(i))
            #expect(t.alias == -1, "only storage roots are bound")
            #expect(Int(t.first_use)...Int(t.last_use) == lifetime[i], "tensor \(i)'s recorded lifetime")
            #expect(t.arena_offset % align == 0, "tensor \(i) at \(t.arena_offset) is not \(align)-aligned")
            #expect(t.arena_offset + bytes <= p.program.arena_bytes, "tensor \(i) ends past the arena")
        }
        for (n, i) in stored.enumerated() {
            for j in stored[(n + 1)...] {
                let a = p.tensors[i], b = p.tensors[j]
                guard lifetime[i]!.overlaps(lifetime[j]!) else { continue }
                let aEnd = a.arena_offset + gpu_tensor_bytes(&program, Int32(i))
                let bEnd = b.arena_offset + gpu_tensor_bytes(&program, Int32(j))
                #expect(aEnd <= b.arena_offset || bEnd <= a.arena_offset,
                        "tensors \(i) and \(j) are alive at once and overlap")
            }
        }
        var blobEnd = 0
        for i in 0..<Int(p.program.blob_count) {
            let blob = p.program.blobs[i]
            #expect(blob.offset % align == 0)
            #expect(blob.offset >= blobEnd, "blob \(i) overlaps the one before")
            blobEnd = blob.offset + gpu_blob_bytes(&program, Int32(i))
        }
        #expect(blobEnd <= p.program.blob_bytes)
    }

    /// Each dispatch reads only tensors an earlier dispatch wrote, and every graph node runs in
    /// exactly one dispatch group (the dispatches of one chain root, `fusedNodes` nodes).
    static func checkDispatches(_ p: PlannedProgram, nodeCount: Int) {
        var written = Set<Int32>()
        for (n, d) in p.dispatches.enumerated() {
            for b in d.bindings where b.kind == GPU_RESOURCE_TENSOR && !b.writes {
                #expect(written.contains(b.index), "dispatch \(n) (\(d.kernel)) reads tensor \(b.index) before it is written")
            }
            for b in d.bindings where b.kind == GPU_RESOURCE_TENSOR && b.writes { written.insert(b.index) }
        }
        var groups: [(node: Int32, fused: Int32)] = []
        for d in p.kernelDispatches {
            if let last = groups.last, last.node == d.node { continue }
            #expect(!groups.contains { $0.node == d.node }, "node \(d.node) runs in two separate places")
            groups.append((d.node, d.fusedNodes))
        }
        #expect(groups.reduce(0) { $0 + Int($1.fused) } == nodeCount)
        #expect(p.program.node_count == Int32(nodeCount))
        #expect(p.program.kernel_dispatches == Int32(p.kernelDispatches.count))
    }
}

@Suite struct MemoryPlanTests {
    /// input -> conv -> conv -> ... -> output: each intermediate lives for two dispatches.
    private func chain(_ g: GraphBuilder, length: Int) -> (input: Int32, output: Int32) {
        let input = g.tensor([1, 16, 16, 8])
        var t = input
        for i in 0..<length { t = g.conv(t, outChannels: i % 2 == 0 ? 16 : 8, kernel: 1) }
        return (input, t)
    }

    @Test(arguments: [16, 64, 256])
    func tensorsAliveAtOnceDoNotOverlap(alignment: Int) throws {
        let g = GraphBuilder()
        let (input, output) = chain(g, length: 6)
        let p = try g.planned(inputs: [input], outputs: [output], offsetAlignment: alignment)
        ProgramInvariants.checkMemoryPlan(p, alignment: alignment)
        ProgramInvariants.checkDispatches(p, nodeCount: g.nodeCount)
    }

    @Test func tensorsThatAreNeverAliveAtOnceShareTheArena() throws {
        let g = GraphBuilder()
        let (input, output) = chain(g, length: 6)
        let p = try g.planned(inputs: [input], outputs: [output])
        var program = p.program
        let total = p.tensors.indices.filter { p.tensors[$0].first_use >= 0 }
            .reduce(0) { $0 + gpu_tensor_bytes(&program, Int32($1)) }
        #expect(p.program.arena_bytes < total)
    }

    @Test func fp16HalvesTheBytesOfHalfTensors() throws {
        let (g, input, middle, out) = GraphBuilder.convChain(activation: LITE_ACTIVATION_RELU6)
        let p = try g.planned(inputs: [input], outputs: [out], precision: GPU_PRECISION_FP16)
        var program = p.program
        let index = try #require(p.tableIndex(of: middle))
        #expect(gpu_tensor_bytes(&program, index) == 8 * 8 * 2 * 8)
        ProgramInvariants.checkMemoryPlan(p, alignment: 16)
    }

    @Test func tensorLargerThanABindingIsRefused() throws {
        let g = GraphBuilder()
        let (input, output) = chain(g, length: 2)
        let p = g.plan(inputs: [input], outputs: [output], maxBindingBytes: 1024)
        #expect(p.error?.contains("more than the largest storage buffer binding") == true)
    }
}
