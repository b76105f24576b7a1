import Testing
import TestSupport

@testable import LiteHost

/// The partitioner's promises, checked on random graphs: every node in exactly one partition of one
/// delegate, every partition convex, the order valid (every producer in an earlier partition or
/// earlier in the same one), and no two partitions of one delegate that could be one (merging any
/// such pair would make the partitions' graph cyclic).
@Suite("Partitioner")
struct PartitionerTests {
    /// A random DAG in execution order: each node reads up to `fanIn` earlier nodes, mostly recent
    /// ones (as in real networks), sometimes any.
    static func randomGraph(nodes: Int, fanIn: Int, using generator: inout SeededGenerator) -> [[Int]] {
        (0..<nodes).map { node in
            guard node > 0 else { return [] }
            let count = Int.random(in: 0...fanIn, using: &generator)
            let chosen = (0..<count).map { _ in
                Bool.random(using: &generator)
                    ? max(0, node - Int.random(in: 1...3, using: &generator)) : Int.random(in: 0..<node, using: &generator)
            }
            return Array(Set(chosen)).sorted()
        }
    }

    /// For each node, the nodes reachable from it by one or more edges.
    static func reachability(_ producers: [[Int]]) -> [Set<Int>] {
        var consumers = Array(repeating: [Int](), count: producers.count)
        for (node, list) in producers.enumerated() { for producer in list { consumers[producer].append(node) } }
        var reach = Array(repeating: Set<Int>(), count: producers.count)
        for node in producers.indices.reversed() {
            for consumer in consumers[node] {
                reach[node].insert(consumer)
                reach[node].formUnion(reach[consumer])
            }
        }
        return reach
    }

    /// Whether `nodes` is convex: no node outside it lies on a path between two of its nodes.
    static func isConvex(_ nodes: Set<Int>, reach: [Set<Int>]) -> Bool {
        let outside = Set(reach.indices).subtracting(nodes)
        for node in outside where nodes.contains(where: { reach[$0].contains(node) }) {
            if !reach[node].isDisjoint(with: nodes) { return false }
        }
        return true
    }

    /// Every promise for one graph and assignment; returns the first one broken, or nil.
    static func brokenPromise(assignment: [Int], producers: [[Int]]) -> String? {
        let groups = Partitioner.partition(assignment: assignment, producers: producers)
        let reach = reachability(producers)
        var groupOf = Array(repeating: -1, count: assignment.count)
        for (index, group) in groups.enumerated() {
            guard group.nodes == group.nodes.sorted(), !group.nodes.isEmpty else { return "group \(index) not ascending or empty" }
            for node in group.nodes {
                guard groupOf[node] < 0 else { return "node \(node) in two groups" }
                guard assignment[node] == group.delegate else { return "node \(node) in a group of another delegate" }
                groupOf[node] = index
            }
            guard isConvex(Set(group.nodes), reach: reach) else { return "group \(index) \(group.nodes) is not convex" }
        }
        guard !groupOf.contains(-1) else { return "a node is in no group" }
        for (node, list) in producers.enumerated() {
            for producer in list where groupOf[producer] > groupOf[node] {
                return "node \(node) runs before its producer \(producer)"
            }
        }
        for first in groups.indices {
            for second in groups.indices where second > first && groups[second].delegate == groups[first].delegate {
                var merged = groupOf
                for node in groups[second].nodes { merged[node] = first }
                if isAcyclic(groupOf: merged, producers: producers) {
                    return "groups \(first) and \(second) of delegate \(groups[first].delegate) could be one"
                }
            }
        }
        return nil
    }

    /// Whether the graph of groups (an edge where a node reads a node of another group) has no
    /// cycle. Convex groups alone do not guarantee it: {a1, a2} and {k1, k2} with a1 -> k1 and
    /// k2 -> a2 are both convex, yet neither can run first.
    static func isAcyclic(groupOf: [Int], producers: [[Int]]) -> Bool {
        var successors: [Int: Set<Int>] = [:]
        for (node, list) in producers.enumerated() {
            for producer in list where groupOf[producer] != groupOf[node] {
                successors[groupOf[producer], default: []].insert(groupOf[node])
            }
        }
        let groups = Set(groupOf)
        var waiting: [Int: Int] = [:]
        for targets in successors.values { for target in targets { waiting[target, default: 0] += 1 } }
        var ready = groups.filter { waiting[$0, default: 0] == 0 }
        var done = 0
        while let next = ready.popFirst() {
            done += 1
            for target in successors[next, default: []] {
                waiting[target]! -= 1
                if waiting[target] == 0 { ready.insert(target) }
            }
        }
        return done == groups.count
    }

    @Test("random DAGs and random assignments: every promise holds (3,000 graphs)")
    func randomGraphs() {
        var generator = SeededGenerator(seed: 20261201)
        for trial in 0..<3000 {
            let nodes = Int.random(in: 1...(trial < 2000 ? 24 : 120), using: &generator)
            let producers = Self.randomGraph(nodes: nodes, fanIn: Int.random(in: 1...3, using: &generator), using: &generator)
            let delegates = Int.random(in: 1...4, using: &generator)
            let assignment = (0..<nodes).map { _ in Int.random(in: 0..<delegates, using: &generator) }
            let broken = Self.brokenPromise(assignment: assignment, producers: producers)
            #expect(broken == nil, "trial \(trial): \(broken ?? ""); producers \(producers), assignment \(assignment)")
            if broken != nil { return }
        }
    }

    @Test("two parallel branches taken in part: the case that closed a cycle before")
    func parallelBranches() {
        // 0 -> {1, 3}; 1 -> 2; 3 -> 4; {2, 4} -> 5. Delegate 1 takes one node of each branch.
        let producers = [[], [0], [1], [0], [3], [2, 4]]
        let assignment = [0, 1, 0, 1, 0, 0]
        #expect(Self.brokenPromise(assignment: assignment, producers: producers) == nil)
        let groups = Partitioner.partition(assignment: assignment, producers: producers)
        // Delegate 1's two nodes are independent, so one partition holds both.
        #expect(groups.filter { $0.delegate == 1 }.map(\.nodes) == [[1, 3]])
    }

    @Test("a delegate's independent branches become one partition even when another delegate was ready between them")
    func noNeedlessSplit() {
        // 0 (delegate 1) independent; 1 (delegate 0) -> 2 (delegate 1). Run in order, delegate 1
        // would need two partitions around delegate 0's node.
        let groups = Partitioner.partition(assignment: [1, 0, 1], producers: [[], [], [1]])
        #expect(groups.map(\.delegate) == [0, 1])
        #expect(groups.map(\.nodes) == [[1], [0, 2]])
    }
}
