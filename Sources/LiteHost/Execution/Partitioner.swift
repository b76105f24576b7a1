/// Groups nodes assigned to delegates into partitions that keep the graph runnable in order.
///
/// The result is correct by construction for any assignment:
/// 1. **Segments of one topological order.** Kahn's algorithm orders the nodes, taking ready nodes
///    of the current delegate for as long as there are any (lowest index first) and only then
///    switching to the delegate of the lowest-indexed ready node. Each maximal run of one delegate
///    becomes a group. Runs of one topological order are convex (a path between two nodes of a run
///    only passes through nodes ordered between them, which are in the run), and the runs in order
///    are a valid execution order. This is the strategy of TFLite's
///    `PartitionGraphIntoIndependentNodeSubsets`.
/// 2. **Merging.** Two groups of one delegate are merged whenever no path of the groups' graph (an
///    edge where a node reads what a node of another group produces) leads from one to the other
///    through a third group: then the union is convex and the groups' graph stays acyclic. (Convex
///    groups alone are not enough: {a1, a2} and {k1, k2} with a1 -> k1 and k2 -> a2 are both convex,
///    yet neither can run first.) Merging
///    repeats until no such pair is left, so a delegate's nodes that can form one partition (with
///    the other groups as they are) do; the first step alone splits, for example, a delegate's two
///    independent branches when another delegate's node was ready in between.
/// 3. **Order.** The groups' graph is sorted topologically, the group with the lowest first node
///    first when free.
///
/// Cost: the first step is O(nodes + edges) with a per-delegate ready list; each merge recomputes
/// group reachability as bit sets, O(groups^2 * groups / 64), and there are fewer merges than groups.
enum Partitioner {
    struct Group: Equatable {
        let delegate: Int
        /// Node indices, ascending (a valid execution order within the group).
        var nodes: [Int]
    }

    /// - Parameters:
    ///   - assignment: the delegate index of each node, in execution order.
    ///   - producers: for each node, the nodes producing its inputs (each earlier than the node).
    /// - Returns: partitions in a valid execution order, nodes within each in execution order.
    static func partition(assignment: [Int], producers: [[Int]]) -> [Group] {
        var groups = segments(assignment: assignment, producers: producers)
        while let (keep, absorb) = mergeablePair(groups, producers: producers, nodeCount: assignment.count) {
            groups[keep].nodes = (groups[keep].nodes + groups[absorb].nodes).sorted()
            groups.remove(at: absorb)
            groups = topologicallySorted(groups, producers: producers, nodeCount: assignment.count)
        }
        return groups
    }

    /// Step 1: runs of one delegate in a topological order that prefers staying on one delegate.
    private static func segments(assignment: [Int], producers: [[Int]]) -> [Group] {
        let count = assignment.count
        var consumers = Array(repeating: [Int](), count: count)
        var waiting = Array(repeating: 0, count: count)
        for node in 0..<count {
            for producer in Set(producers[node]) {
                consumers[producer].append(node)
                waiting[node] += 1
            }
        }
        let delegateCount = (assignment.max() ?? -1) + 1
        // Ready nodes per delegate, as min-heaps on the node index.
        var ready = Array(repeating: MinHeap(), count: delegateCount)
        for node in 0..<count where waiting[node] == 0 { ready[assignment[node]].push(node) }
        var groups: [Group] = []
        var scheduled = 0
        while scheduled < count {
            // Switch to the delegate of the lowest-indexed ready node (one exists: the graph is a DAG).
            var current = -1
            for delegate in 0..<delegateCount {
                if let top = ready[delegate].top, current < 0 || top < ready[current].top! { current = delegate }
            }
            var run: [Int] = []
            while let node = ready[current].pop() {
                run.append(node)
                for consumer in consumers[node] {
                    waiting[consumer] -= 1
                    if waiting[consumer] == 0 { ready[assignment[consumer]].push(consumer) }
                }
            }
            scheduled += run.count
            groups.append(Group(delegate: current, nodes: run.sorted()))
        }
        return groups
    }

    /// Step 2: the first pair (in group order) of one delegate with no path between them through
    /// another group, as (earlier, later) indices; nil when there is none. `groups` must be in
    /// topological order.
    private static func mergeablePair(_ groups: [Group], producers: [[Int]], nodeCount: Int) -> (Int, Int)? {
        let successors = groupSuccessors(groups, producers: producers, nodeCount: nodeCount)
        // reach[g]: the groups reachable from g by one or more edges. Later groups never reach
        // earlier ones, so one reverse pass computes it.
        var reach = Array(repeating: BitSet(count: groups.count), count: groups.count)
        for group in groups.indices.reversed() {
            for successor in successors[group] {
                reach[group].insert(successor)
                reach[group].formUnion(reach[successor])
            }
        }
        for first in groups.indices {
            for second in (first + 1)..<groups.count where groups[second].delegate == groups[first].delegate {
                // A path of two or more edges from `first` to `second` leaves through a successor.
                let blocked = successors[first].contains { $0 != second && reach[$0].contains(second) }
                if !blocked { return (first, second) }
            }
        }
        return nil
    }

    /// Step 3: groups in topological order of their dependencies, lowest first node first when free.
    static func topologicallySorted(_ groups: [Group], producers: [[Int]], nodeCount: Int) -> [Group] {
        let successors = groupSuccessors(groups, producers: producers, nodeCount: nodeCount)
        var waiting = Array(repeating: 0, count: groups.count)
        for list in successors { for successor in list { waiting[successor] += 1 } }
        var ready = MinHeap()
        // Keyed by first node so the heap orders groups by where they start.
        var groupStartingAt: [Int: Int] = [:]
        for (index, group) in groups.enumerated() { groupStartingAt[group.nodes[0]] = index }
        for index in groups.indices where waiting[index] == 0 { ready.push(groups[index].nodes[0]) }
        var order: [Group] = []
        while let start = ready.pop() {
            let index = groupStartingAt[start]!
            order.append(groups[index])
            for successor in successors[index] {
                waiting[successor] -= 1
                if waiting[successor] == 0 { ready.push(groups[successor].nodes[0]) }
            }
        }
        // The runs of step 1 have an acyclic graph, and every merge of step 2 keeps it so.
        precondition(order.count == groups.count, "partition dependency cycle")
        return order
    }

    /// For each group, the other groups that read a tensor it produces (distinct, ascending).
    private static func groupSuccessors(_ groups: [Group], producers: [[Int]], nodeCount: Int) -> [[Int]] {
        var groupOf = Array(repeating: -1, count: nodeCount)
        for (index, group) in groups.enumerated() { for node in group.nodes { groupOf[node] = index } }
        var successors = Array(repeating: Set<Int>(), count: groups.count)
        for node in 0..<nodeCount {
            for producer in producers[node] where groupOf[producer] != groupOf[node] {
                successors[groupOf[producer]].insert(groupOf[node])
            }
        }
        return successors.map { $0.sorted() }
    }
}

/// A binary min-heap of node indices.
private struct MinHeap {
    private var items: [Int] = []

    var top: Int? { items.first }

    mutating func push(_ value: Int) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < items.count, items[left] < items[smallest] { smallest = left }
                if right < items.count, items[right] < items[smallest] { smallest = right }
                guard smallest != parent else { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}

/// A fixed-size set of small integers.
private struct BitSet {
    private var words: [UInt64]

    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    func contains(_ value: Int) -> Bool { words[value >> 6] & (1 << UInt64(value & 63)) != 0 }

    mutating func insert(_ value: Int) { words[value >> 6] |= 1 << UInt64(value & 63) }

    mutating func formUnion(_ other: BitSet) {
        for index in words.indices { words[index] |= other.words[index] }
    }
}
