/// Groups nodes assigned to delegates into partitions that keep the graph runnable in order.
///
/// Each partition is convex: no path between two of its nodes leaves it. Convex partitions have an
/// acyclic dependency graph, so they can run one after another. Nodes are visited in execution
/// order; a node joins a partition of its delegate when no node outside that partition lies on a path
/// from it, preferring one that produces one of its inputs, then the most recent one.
enum Partitioner {
    struct Group: Equatable {
        let delegate: Int
        var nodes: [Int]
    }

    /// - Parameters:
    ///   - assignment: the delegate index of each node, in execution order.
    ///   - producers: for each node, the nodes producing its inputs.
    /// - Returns: partitions in a valid execution order, nodes within each in execution order.
    static func partition(assignment: [Int], producers: [[Int]]) -> [Group] {
        var groups: [Group] = []
        var groupOf = Array(repeating: -1, count: assignment.count)
        // For each node, the groups it depends on (transitively), including its own.
        var dependsOn = Array(repeating: Set<Int>(), count: assignment.count)

        for node in assignment.indices {
            let delegate = assignment[node]
            // A group is forbidden when a producer outside it depends on it: joining would put a
            // node outside the group on a path between two of its nodes.
            var forbidden = Set<Int>()
            for producer in producers[node] {
                forbidden.formUnion(dependsOn[producer].subtracting([groupOf[producer]]))
            }
            let candidates = groups.indices.filter { groups[$0].delegate == delegate && !forbidden.contains($0) }
            let producerGroups = Set(producers[node].map { groupOf[$0] })
            let chosen = candidates.last(where: { producerGroups.contains($0) }) ?? candidates.last
            let group: Int
            if let chosen {
                group = chosen
                groups[group].nodes.append(node)
            } else {
                group = groups.count
                groups.append(Group(delegate: delegate, nodes: [node]))
            }
            groupOf[node] = group
            var dependencies: Set<Int> = [group]
            for producer in producers[node] { dependencies.formUnion(dependsOn[producer]) }
            dependsOn[node] = dependencies
        }
        return orderGroups(groups, groupOf: groupOf, producers: producers)
    }

    /// Topological order of groups (stable: by first node when free to choose).
    private static func orderGroups(_ groups: [Group], groupOf: [Int], producers: [[Int]]) -> [Group] {
        var predecessors = Array(repeating: Set<Int>(), count: groups.count)
        for (node, nodeProducers) in producers.enumerated() {
            for producer in nodeProducers where groupOf[producer] != groupOf[node] {
                predecessors[groupOf[node]].insert(groupOf[producer])
            }
        }
        var done = Set<Int>()
        var order: [Group] = []
        while order.count < groups.count {
            // Convexity guarantees one ready group exists at each step.
            guard let next = groups.indices.first(where: { !done.contains($0) && predecessors[$0].isSubset(of: done) })
            else { preconditionFailure("partition dependency cycle: partitions are not convex") }
            done.insert(next)
            order.append(groups[next])
        }
        return order
    }
}
