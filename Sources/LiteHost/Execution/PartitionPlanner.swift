import DelegateABI

/// Turns the delegates' verdicts into created partitions: resolves claims in priority order, forms
/// partitions (`Partitioner`), applies each delegate's partition policy and creates the partitions,
/// handing a refused partition's nodes to the next delegate that takes them.
///
/// The loop: assign every node to the first delegate whose verdict is TAKEN; partition; when a
/// policy rejects a partition, or a delegate's create_partition refuses one, that delegate's
/// verdicts on its nodes become declines (with the reason) and the loop starts again. Each round
/// turns at least one verdict into a decline, so it ends. Partitions created in a round are kept for
/// the next when the same delegate gets the same nodes again (a partition's boundary depends on its
/// node set alone), and the ones no round needs any more are destroyed.
struct PartitionPlanner {
    /// A partition the planner created.
    struct Created {
        let delegate: DelegateInstance
        let handle: OpaquePointer
        let nodes: [Int]
        let inputs: [Int]
        let outputs: [Int]
    }

    let model: ModelDefinition
    let graph: GraphView
    let delegates: [DelegateInstance]
    let policies: [PartitionPolicy]
    /// For each node, the earlier nodes producing its inputs (`ModelDefinition.nodeDependencies`).
    let producers: [[Int]]

    init(model: ModelDefinition, graph: GraphView, delegates: [DelegateInstance], policies: [PartitionPolicy]) {
        self.model = model
        self.graph = graph
        self.delegates = delegates
        self.policies = policies
        producers = model.nodeDependencies()
    }

    /// - Parameter verdicts: per delegate (priority order), per node: nil when taken, else why not.
    /// - Returns: the created partitions in execution order, and the plan's decisions.
    /// - Throws: `.unclaimedNode` when a node ends up with no delegate (the message names every
    ///   delegate's reason, refusals included).
    func plan(verdicts initial: [[String?]]) throws -> (partitions: [Created], plan: Decisions) {
        var verdicts = initial
        var created: [String: Created] = [:]
        var decisions = Decisions()
        do {
            while true {
                let assignment = try assign(verdicts)
                let groups = Partitioner.partition(assignment: assignment, producers: producers)
                if applyPolicies(groups, verdicts: &verdicts, decisions: &decisions) { continue }
                guard let partitions = try create(groups, created: &created, verdicts: &verdicts, decisions: &decisions)
                else { continue }
                let used = Set(partitions.map { Self.key($0.delegate, $0.nodes) })
                for (key, partition) in created where !used.contains(key) {
                    partition.delegate.destroyPartition(partition.handle)
                }
                decisions.nodes = nodeDecisions(verdicts: verdicts, assignment: assignment)
                return (partitions, decisions)
            }
        } catch {
            for partition in created.values { partition.delegate.destroyPartition(partition.handle) }
            throw error
        }
    }

    /// The record of a plan for `Interpreter.partitionPlan`: the partitions, every node's
    /// decision, each delegate's library, precision and policy, and what was rejected and why.
    /// - Parameter precision: the precision each backend is sent (`InterpreterOptions.precision(for:)`).
    func record(
        _ created: [Created], _ decisions: Decisions, precision: (BackendDescription) -> String?
    ) -> PartitionPlan {
        PartitionPlan(
            delegates: delegates.map(\.name),
            partitions: created.map { .init(delegate: $0.delegate.name, nodes: $0.nodes, inputs: $0.inputs, outputs: $0.outputs) },
            nodes: decisions.nodes,
            delegateDetails: zip(delegates, policies).map { delegate, policy in
                let backend = delegate.backend
                return .init(name: backend.name, libraryPath: backend.info.libraryPath, precision: precision(backend.info), policy: policy)
            },
            rejections: decisions.rejections, notes: decisions.notes)
    }

    /// What the plan records besides the partitions.
    struct Decisions {
        var nodes: [PartitionPlan.NodeDecision] = []
        var rejections: [PartitionPlan.Rejection] = []
        var notes: [String] = []
        /// create_partition failures other than UNSUPPORTED, which the host also reports as warnings.
        var warnings: [String] = []
    }

    // MARK: - Steps

    /// The delegate of each node: the first whose verdict is TAKEN.
    private func assign(_ verdicts: [[String?]]) throws -> [Int] {
        var assignment: [Int] = []
        var unclaimed: [(node: Int, name: String, reasons: String)] = []
        for node in model.operators.indices {
            if let taker = verdicts.indices.first(where: { verdicts[$0][node] == nil }) {
                assignment.append(taker)
                continue
            }
            let reasons = verdicts.indices.map { "\(delegates[$0].name): \(verdicts[$0][node] ?? "")" }
            unclaimed.append((node, operatorName(node), reasons.isEmpty ? "no delegates" : reasons.joined(separator: "; ")))
        }
        guard let first = unclaimed.first else { return assignment }
        var message = "node \(first.node) (\(first.name)) is not supported by any delegate (\(first.reasons))"
        if unclaimed.count > 1 {
            var others: [String] = []
            for entry in unclaimed.dropFirst() where entry.name != first.name && !others.contains(entry.name) {
                others.append(entry.name)
            }
            message += "; \(unclaimed.count - 1) more unsupported nodes"
            if !others.isEmpty { message += " (\(others.joined(separator: ", ")))" }
        }
        throw InterpreterError(.unclaimedNode, message)
    }

    /// Passes on the partitions that break their delegate's policy. Returns whether any verdict
    /// changed (then the caller partitions again).
    private func applyPolicies(_ groups: [Partitioner.Group], verdicts: inout [[String?]], decisions: inout Decisions) -> Bool {
        var changed = false
        for (delegate, policy) in policies.enumerated() {
            let own = groups.filter { $0.delegate == delegate }
            var rejected: [(Partitioner.Group, String)] = []
            if let maximum = policy.maximumPartitions, own.count > maximum {
                // Largest first; the earliest on a tie (the sort is stable over execution order).
                let kept = own.enumerated().sorted { ($1.element.nodes.count, $0.offset) < ($0.element.nodes.count, $1.offset) }
                    .prefix(maximum).map(\.element)
                for group in own where !kept.contains(group) {
                    rejected.append((group, "max_partitions=\(maximum): only the \(maximum) largest of \(own.count) partitions are kept"))
                }
            }
            for group in own where group.nodes.count < policy.minimumNodes && group.nodes.count < model.operators.count
                && !rejected.contains(where: { $0.0 == group })
            {
                rejected.append((group, "min_partition_nodes=\(policy.minimumNodes): the partition has \(group.nodes.count) node(s)"))
            }
            for (group, reason) in rejected {
                if let stranded = group.nodes.first(where: { !hasLaterTaker($0, after: delegate, verdicts) }) {
                    let note = "\(delegates[delegate].name): kept partition \(group.nodes) against \(reason.prefix { $0 != ":" }): "
                        + "node \(stranded) (\(operatorName(stranded))) has no other delegate"
                    if !decisions.notes.contains(note) { decisions.notes.append(note) }
                    continue
                }
                reject(group, cause: .policy, reason: "partition policy " + reason, verdicts: &verdicts, decisions: &decisions)
                changed = true
            }
        }
        return changed
    }

    /// Creates every group's partition (reusing those created before). Returns nil after a refusal,
    /// whose nodes then carry the refusal as their delegate's verdict.
    private func create(
        _ groups: [Partitioner.Group], created: inout [String: Created], verdicts: inout [[String?]],
        decisions: inout Decisions
    ) throws -> [Created]? {
        var partitions: [Created] = []
        for group in groups {
            let delegate = delegates[group.delegate]
            let key = Self.key(delegate, group.nodes)
            if let existing = created[key] {
                partitions.append(existing)
                continue
            }
            let (inputs, outputs) = Self.boundary(of: group.nodes, model: model)
            do {
                let handle = try delegate.createPartition(
                    graph, nodes: group.nodes.map { Int32($0) }, inputs: inputs.map { Int32($0) },
                    outputs: outputs.map { Int32($0) })
                let partition = Created(delegate: delegate, handle: handle, nodes: group.nodes, inputs: inputs, outputs: outputs)
                created[key] = partition
                partitions.append(partition)
            } catch let error as InterpreterError where error.kind == .delegateCall {
                // UNSUPPORTED is the ABI's way to refuse; any other failure falls back too (as TFLite
                // restores its plan when a delegate fails), with a warning.
                let detail = error.message.replacingOccurrences(of: "delegate '\(delegate.name)': create_partition failed: ", with: "")
                if error.status != .unsupported {
                    decisions.warnings.append(
                        "delegate '\(delegate.name)' failed to create a partition of nodes \(group.nodes) (\(detail)); "
                            + "its nodes go to the next delegate")
                }
                reject(group, cause: .refused, reason: "create_partition refused: \(detail)", verdicts: &verdicts, decisions: &decisions)
                return nil
            }
        }
        return partitions
    }

    private func reject(
        _ group: Partitioner.Group, cause: PartitionPlan.Rejection.Cause, reason: String, verdicts: inout [[String?]],
        decisions: inout Decisions
    ) {
        for node in group.nodes { verdicts[group.delegate][node] = reason }
        decisions.rejections.append(.init(delegate: delegates[group.delegate].name, nodes: group.nodes, cause: cause, reason: reason))
    }

    private func hasLaterTaker(_ node: Int, after delegate: Int, _ verdicts: [[String?]]) -> Bool {
        verdicts.indices.contains { $0 > delegate && verdicts[$0][node] == nil }
    }

    private func nodeDecisions(verdicts: [[String?]], assignment: [Int]) -> [PartitionPlan.NodeDecision] {
        model.operators.indices.map { node in
            let taker = assignment[node]
            return .init(
                node: node, operatorName: operatorName(node), delegate: delegates[taker].name,
                declined: (0..<taker).map { .init(delegate: delegates[$0].name, reason: verdicts[$0][node] ?? "") })
        }
    }

    private func operatorName(_ node: Int) -> String {
        LiteHost.operatorName(code: model.operators[node].opcode, customName: model.operators[node].customName)
    }

    private static func key(_ delegate: DelegateInstance, _ nodes: [Int]) -> String {
        "\(ObjectIdentifier(delegate).hashValue):\(nodes)"
    }

    // MARK: - Graph facts

    /// A partition's inputs (read inside, produced outside, not constant) and outputs (produced
    /// inside, read outside or a model output), in first-use order.
    static func boundary(of nodes: [Int], model: ModelDefinition) -> (inputs: [Int], outputs: [Int]) {
        let inside = Set(nodes)
        var produced = Set<Int>()
        for node in nodes { model.operators[node].outputs.forEach { produced.insert(Int($0)) } }
        var readOutside = Set(model.outputs)
        for (node, definition) in model.operators.enumerated() where !inside.contains(node) {
            definition.inputs.filter { $0 >= 0 }.forEach { readOutside.insert(Int($0)) }
        }
        var inputs: [Int] = [], outputs: [Int] = []
        for node in nodes {
            for input in model.operators[node].inputs where input >= 0 {
                let tensor = Int(input)
                if !produced.contains(tensor), model.tensors[tensor].constant == nil, !inputs.contains(tensor) {
                    inputs.append(tensor)
                }
            }
            for output in model.operators[node].outputs {
                let tensor = Int(output)
                if readOutside.contains(tensor), !outputs.contains(tensor) { outputs.append(tensor) }
            }
        }
        return (inputs, outputs)
    }
}
