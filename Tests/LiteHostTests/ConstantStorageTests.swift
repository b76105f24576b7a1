import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// Where a loaded model's constants live: slices of the file's buffer when aligned, copies
/// otherwise; float16 weights widened into one storage; the file's buffer let go when little of
/// it is still read.
@Suite("Constant storage")
struct ConstantStorageTests {
    /// input → ADD(weights) → sum, `count` float32 weights; with `halfCount`, also a float16
    /// constant → DEQUANTIZE → widened, which a second ADD adds to a second input.
    static func model(count: Int, halfCount: Int = 0) -> [UInt8] {
        var builder = TFLiteModelBuilder(description: "constants")
        let weights = builder.addTensor(shape: [count], floats: (0..<count).map(Self.weight), name: "weights")
        let input = builder.addTensor(shape: [count], name: "input")
        let sum = builder.addTensor(shape: [count], name: "sum")
        builder.addOperator(.add, inputs: [input, weights], outputs: [sum])
        builder.inputs = [input]
        builder.outputs = [sum]
        if halfCount > 0 {
            let half = builder.addTensor(shape: [halfCount], float16Bits: (0..<halfCount).map { Self.halfBits(Self.halfValue($0)) },
                                         name: "half")
            let widened = builder.addTensor(shape: [halfCount], name: "widened")
            builder.addOperator(.dequantize, inputs: [half], outputs: [widened])
            let second = builder.addTensor(shape: [halfCount], name: "second")
            let sum2 = builder.addTensor(shape: [halfCount], name: "sum2")
            builder.addOperator(.add, inputs: [second, widened], outputs: [sum2])
            builder.inputs.append(second)
            builder.outputs.append(sum2)
        }
        return builder.build()
    }

    static func weight(_ index: Int) -> Float { Float(index) * 0.5 - 3 }
    static func halfValue(_ index: Int) -> Float { Float(index % 64) - 32 }

    /// The binary16 pattern of a normal float that binary16 holds exactly (or zero).
    static func halfBits(_ value: Float) -> UInt16 {
        if value == 0 { return 0 }
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        let exponent = UInt16(Int((bits >> 23) & 0xff) - 127 + 15)
        return sign | exponent << 10 | UInt16(truncatingIfNeeded: bits >> 13) & 0x3ff
    }

    static func load(_ bytes: [UInt8]) throws -> ModelDefinition {
        let path = try writeTemporaryModel(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ModelLoader.load(path: path)
    }

    static func constant(_ model: ModelDefinition, named name: String) -> ConstantData? {
        model.tensors.first { $0.name == name }?.constant
    }

    @Test func aFloat32ModelsWeightsAreSlicesOfTheFileBuffer() throws {
        let bytes = Self.model(count: 4096)
        let model = try Self.load(bytes)
        let weights = try #require(Self.constant(model, named: "weights"))
        // The storage is the whole file's buffer, not a copy of the 16 KiB of weights.
        #expect(weights.storage.byteCount == bytes.count)
        #expect(Int(bitPattern: weights.pointer) % 16 == 0)
        #expect(weights.floatValues() == (0..<4096).map { Float($0) * 0.5 - 3 })
    }

    @Test func aModelFromMemoryCopiesItsConstants() throws {
        let bytes = Self.model(count: 256)
        let model = try parseTestModel(bytes).get()
        let weights = try #require(Self.constant(model, named: "weights"))
        #expect(weights.storage.byteCount == 256 * 4)
    }

    @Test func bytesInsideTheOwnerAreSlicedAndOthersCopied() {
        let owner = ConstantStorage(byteCount: 256)
        for offset in 0..<256 { owner.pointer.storeBytes(of: UInt8(offset), toByteOffset: offset, as: UInt8.self) }
        for (offset, count) in [(16, 64), (0, 256), (4, 16), (17, 8), (240, 16)] {
            let bytes = UnsafeRawBufferPointer(start: owner.pointer + offset, count: count)
            let constant = ConstantData(bytes: bytes, in: owner)
            #expect(constant.storage === owner, "offset \(offset), \(count) bytes")
            #expect(constant.values(as: UInt8.self) == (offset..<(offset + count)).map { UInt8($0) })
        }
        // Memory outside the owner is copied, even when aligned.
        let other = ConstantStorage(byteCount: 64)
        let outside = ConstantData(bytes: UnsafeRawBufferPointer(start: other.pointer, count: 64), in: owner)
        #expect(outside.storage !== owner)
        #expect(ConstantData(bytes: UnsafeRawBufferPointer(start: other.pointer, count: 64), in: nil).storage !== other)
    }

    /// A definition whose tensor i is the slice [offsets[i], offsets[i] + 32) of `file`.
    static func slices(of file: ConstantStorage, at offsets: [Int]) -> ModelDefinition {
        let tensors = offsets.map { offset in
            TensorDefinition(name: "c\(offset)", type: .float32, shape: [8],
                             constant: ConstantData(storage: file, offset: offset, byteCount: 32), isVariable: false)
        }
        return ModelDefinition(tensors: tensors, operators: [], inputs: [], outputs: [], description: "", schemaVersion: 3)
    }

    @Test func settlingCopiesTheUnalignedSlicesAndKeepsTheAlignedOnes() {
        let file = ConstantStorage(byteCount: 96)
        for offset in 0..<96 { file.pointer.storeBytes(of: UInt8(offset), toByteOffset: offset, as: UInt8.self) }
        // 64 of the 96 bytes are aligned slices (over half): they stay; the one at 4 moves.
        var model = Self.slices(of: file, at: [0, 4, 32])
        StorageFolding.settle(&model, file: file)
        let constants = model.tensors.map { $0.constant! }
        #expect(constants[0].storage === file && constants[2].storage === file)
        #expect(constants[1].storage !== file && Int(bitPattern: constants[1].pointer) % 16 == 0)
        for (constant, offset) in zip(constants, [0, 4, 32]) {
            #expect(constant.values(as: UInt8.self) == (offset..<(offset + 32)).map { UInt8($0) })
        }
        // 32 aligned bytes of 96: everything moves, so the file's buffer can go.
        var sparse = Self.slices(of: file, at: [32, 36])
        StorageFolding.settle(&sparse, file: file)
        #expect(sparse.tensors.allSatisfy { $0.constant!.storage !== file })
        #expect(sparse.tensors[1].constant!.values(as: UInt8.self) == (36..<68).map { UInt8($0) })
    }

    @Test func settlingRandomSlicesAlignsEveryConstantAndKeepsItsBytesAndSharing() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let size = Int.random(in: 64...4096, using: &rng)
            let file = ConstantStorage(byteCount: size)
            for offset in 0..<size { file.pointer.storeBytes(of: UInt8(truncatingIfNeeded: offset * 7 + 3), toByteOffset: offset, as: UInt8.self) }
            // Up to 12 tensors over up to 8 distinct slices: some tensors share one.
            let slices = (0..<Int.random(in: 1...8, using: &rng)).map { _ -> (Int, Int) in
                let offset = Int.random(in: 0..<size, using: &rng)
                return (offset, Int.random(in: 0...(size - offset), using: &rng))
            }
            let picks = (0..<Int.random(in: 1...12, using: &rng)).map { _ in Int.random(in: 0..<slices.count, using: &rng) }
            let tensors = picks.map { pick in
                TensorDefinition(name: "s\(pick)", type: .float32, shape: [1],
                                 constant: ConstantData(storage: file, offset: slices[pick].0, byteCount: slices[pick].1),
                                 isVariable: false)
            }
            var model = ModelDefinition(tensors: tensors, operators: [], inputs: [], outputs: [], description: "", schemaVersion: 3)
            var distinct: [Int: Int] = [:]
            for pick in picks { distinct[slices[pick].0 + size * slices[pick].1] = pick }
            let aligned = distinct.values.filter { Int(bitPattern: file.pointer + slices[$0].0) % 16 == 0 }
                .reduce(0) { $0 + slices[$1].1 }
            StorageFolding.settle(&model, file: file)
            for (index, pick) in picks.enumerated() {
                let (offset, count) = slices[pick]
                let constant = model.tensors[index].constant!
                #expect(Int(bitPattern: constant.pointer) % 16 == 0)
                #expect(constant.values(as: UInt8.self) == (offset..<(offset + count)).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) })
                // All moved when the aligned slices are under half the file; else only unaligned ones.
                let wasAligned = Int(bitPattern: file.pointer + offset) % 16 == 0
                #expect((constant.storage === file) == (wasAligned && aligned * 2 >= size))
                // Tensors that shared a slice still share one.
                for (other, otherPick) in picks.enumerated() where slices[otherPick] == slices[pick] {
                    #expect(model.tensors[other].constant!.pointer == constant.pointer)
                }
            }
        }
    }

    @Test func float16WeightsAreWidenedAndTheFileBufferIsLetGoWhenLittleOfItIsRead() throws {
        // 64 KiB of float32 weights beside 16 KiB of float16 ones: after the fold the weights are
        // over half the file, so they stay slices of it.
        let keptBytes = Self.model(count: 16384, halfCount: 8192)
        let kept = try Self.load(keptBytes)
        #expect(Self.constant(kept, named: "weights")?.storage.byteCount == keptBytes.count)
        #expect(Self.constant(kept, named: "half") == nil)
        #expect(Self.constant(kept, named: "widened")?.floatValues() == (0..<8192).map(Self.halfValue))

        // 4 KiB of float32 weights beside 64 KiB of float16: the weights move out of the file's
        // buffer (which is then freed), into storage of their own size.
        let movedBytes = Self.model(count: 1024, halfCount: 32768)
        let moved = try Self.load(movedBytes)
        let weights = try #require(Self.constant(moved, named: "weights"))
        #expect(weights.storage.byteCount == 4096)
        #expect(weights.floatValues() == (0..<1024).map(Self.weight))
        #expect(Self.constant(moved, named: "widened")?.floatValues() == (0..<32768).map(Self.halfValue))
    }

    @Test func largeStorageIsMappedAndWritable() {
        let count = (3 << 20) / 4 + 5
        let storage = ConstantStorage(byteCount: count * 4)
        let floats = storage.pointer.bindMemory(to: Float.self, capacity: count)
        for i in 0..<count { floats[i] = Float(i) }
        #expect(Int(bitPattern: storage.pointer) % ConstantStorage.alignment == 0)
        #expect(ConstantData(storage: storage, byteCount: count * 4).floatValues() == (0..<count).map(Float.init))
    }

    @Test func widenedConstantsShareOneStorageAtAlignedOffsets() {
        let lengths = [1, 7, 16, 33, 1000]
        let sources = lengths.enumerated().map { index, length -> ConstantData in
            let bits = (0..<length).map { Self.halfBits(Float(index * 100 + $0 % 50)) }
            return bits.flatMap { littleEndianBytes($0) }.withUnsafeBytes { ConstantData(copying: $0) }
        }
        let widened = Float16Conversion.widened(sources)
        #expect(widened.count == lengths.count)
        let storage = widened[0].storage
        for (index, constant) in widened.enumerated() {
            #expect(constant.storage === storage)
            #expect(Int(bitPattern: constant.pointer) % ConstantStorage.alignment == 0)
            #expect(constant.floatValues() == (0..<lengths[index]).map { Float(index * 100 + $0 % 50) })
        }
    }
}
