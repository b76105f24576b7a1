import DelegateABI
import GPUShared
import Testing

/// SplitMix64: a small deterministic generator, so a failing seed can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random graphs of the operators the rewrites act on (convolutions, pools, PADs, activations,
/// residual and broadcast binaries, with branches and several outputs), planned in fp32 and fp16 at
/// several alignments: every plan must keep the program invariants.
@Suite struct RandomGraphTests {
    private static let unaryCodes = [LITE_OP_RELU, LITE_OP_RELU6, LITE_OP_TANH, LITE_OP_LOGISTIC]

    /// Builds a random graph on `g`; returns its partition inputs and outputs.
    static func randomGraph(_ g: GraphBuilder, _ rng: inout SplitMix64) -> (inputs: [Int32], outputs: [Int32]) {
        let size = Int32.random(in: 3...9, using: &rng)
        let input = g.tensor([1, size, size, Int32.random(in: 1...9, using: &rng)])
        var live = [input]  // tensors later nodes may read
        var consumed = Set<Int32>()
        for _ in 0..<Int.random(in: 1...12, using: &rng) {
            let a = live.randomElement(using: &rng)!
            let channels = g.dims(of: a)[3]
            let out: Int32
            switch Int.random(in: 0..<7, using: &rng) {
            case 0:
                out = g.conv(a, outChannels: Int32.random(in: 1...9, using: &rng),
                             kernel: [1, 3].randomElement(using: &rng)!,
                             activation: [LITE_ACTIVATION_NONE, LITE_ACTIVATION_RELU, LITE_ACTIVATION_RELU6]
                                 .randomElement(using: &rng)!)
            case 1: out = g.depthwise(a)
            case 2: out = g.pool(a, code: Bool.random(using: &rng) ? LITE_OP_MAX_POOL_2D : LITE_OP_AVERAGE_POOL_2D)
            case 3:
                let padded = g.pad(a, [0, 0, 1, 1, 1, 1, 0, 0])
                out = Bool.random(using: &rng) ? g.conv(padded, outChannels: channels, padding: LITE_PADDING_VALID)
                                               : padded
            case 4: out = g.unary(unaryCodes.randomElement(using: &rng)!, a)
            case 5:
                // A residual with a same-shaped tensor, when there is one besides `a`.
                let partners = live.filter { $0 != a && g.dims(of: $0) == g.dims(of: a) }
                let b = partners.randomElement(using: &rng) ?? g.constant([channels], (0..<Int(channels)).map(Float.init))
                consumed.insert(b)
                let code = [LITE_OP_ADD, LITE_OP_SUB, LITE_OP_MUL].randomElement(using: &rng)!
                out = Bool.random(using: &rng) ? g.binary(code, a, b) : g.binary(code, b, a)
            default:
                out = g.binary(LITE_OP_MUL, a, g.constant([1], [0.5]))
            }
            consumed.insert(a)
            live.append(out)
        }
        // Outputs: every tensor no node reads, and now and then one that is read as well.
        var outputs = live.dropFirst().filter { !consumed.contains($0) }
        for t in live.dropFirst() where !outputs.contains(t) && Int.random(in: 0..<5, using: &rng) == 0 {
            outputs.append(t)
        }
        return ([input], outputs)
    }

    @Test(arguments: 0..<64)
    func plannedProgramKeepsItsInvariants(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed))
        let g = GraphBuilder()
        let (inputs, outputs) = Self.randomGraph(g, &rng)
        let alignment = [16, 64, 256].randomElement(using: &rng)!
        let precision = Bool.random(using: &rng) ? GPU_PRECISION_FP16 : GPU_PRECISION_FP32
        let p = g.plan(inputs: inputs, outputs: outputs, precision: precision, offsetAlignment: alignment)
        try #require(p.ok, "seed \(seed): \(p.error ?? "")")
        ProgramInvariants.checkMemoryPlan(p, alignment: alignment)
        ProgramInvariants.checkDispatches(p, nodeCount: g.nodeCount)
        // Every partition output is written by some dispatch and read by its layout_out conversion.
        for output in outputs {
            let index = try #require(p.tableIndex(of: output))
            #expect(p.tensors[Int(index)].kind == GPU_TENSOR_OUTPUT)
            #expect(p.dispatches.contains { d in d.kernel == "layout_out" && d.bindings.contains { $0.index == index } })
        }
    }
}
