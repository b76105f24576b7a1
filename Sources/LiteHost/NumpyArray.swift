import Foundation

/// A numpy .npy array (format versions 1-3, C order, little-endian): what `lite run` reads and
/// writes, and what tests compare.
public struct NumpyArray: Equatable, Sendable {
    public let dataType: ElementType
    public let shape: [Int]
    public let data: Data

    public init(dataType: ElementType, shape: [Int], data: Data) {
        self.dataType = dataType
        self.shape = shape
        self.data = data
    }

    public init(tensor: Tensor) {
        self.init(dataType: tensor.dataType, shape: tensor.shape, data: tensor.data)
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    private static let descriptors: [(String, ElementType)] = [
        ("<f4", .float32), ("<f2", .float16), ("<i4", .int32), ("<i8", .int64), ("|b1", .bool),
    ]

    /// Parses .npy bytes.
    /// - Throws: `FormatError` saying what is wrong (bad magic, unsupported dtype, Fortran order,
    ///   data size not matching the shape).
    public init(npy bytes: Data) throws {
        let bytes = [UInt8](bytes)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw FormatError(description: "not a .npy file (bad magic)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw FormatError(description: "truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw FormatError(description: "unsupported .npy format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: .utf8)
        else { throw FormatError(description: "truncated .npy header") }
        func field(_ key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return header[range.upperBound...].drop { $0 == " " }
        }
        guard let descrField = field("descr"), descrField.first == "'",
              let descrEnd = descrField.dropFirst().firstIndex(of: "'")
        else { throw FormatError(description: ".npy header has no descr") }
        let descr = String(descrField[descrField.index(after: descrField.startIndex)..<descrEnd])
        guard let type = Self.descriptors.first(where: { $0.0 == descr || ($0.0.dropFirst() == descr.dropFirst() && descr.first == "=") })?.1
        else { throw FormatError(description: "unsupported .npy dtype '\(descr)' (expected float32 '<f4')") }
        if let order = field("fortran_order"), order.hasPrefix("True") {
            throw FormatError(description: "Fortran-ordered .npy arrays are not supported")
        }
        guard let shapeField = field("shape"), shapeField.first == "(", let close = shapeField.firstIndex(of: ")") else {
            throw FormatError(description: ".npy header has no shape")
        }
        let parts = shapeField[shapeField.index(after: shapeField.startIndex)..<close]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for part in parts {
            guard let extent = Int(part), extent >= 0, extent < 1 << 31 else {
                throw FormatError(description: "bad .npy shape entry '\(part)'")
            }
            shape.append(extent)
        }
        let payload = headerStart + headerLength
        guard let needed = TensorLimits.byteCount(shape, width: type.byteWidth) else {
            throw FormatError(description: ".npy shape \(shape) is over the host's limit of \(TensorLimits.limitText) per tensor")
        }
        guard bytes.count - payload == needed else {
            throw FormatError(description: ".npy data is \(bytes.count - payload) bytes, shape \(shape) of \(type) needs \(needed)")
        }
        self.init(dataType: type, shape: shape, data: Data(bytes[payload...]))
    }

    /// Reads a .npy file.
    public init(contentsOf path: String) throws {
        let data = try Self.readFile(path)
        do {
            try self.init(npy: data)
        } catch let error as FormatError {
            throw FormatError(description: "\(path): \(error.description)")
        }
    }

    /// The bytes of the file at `path`, with the system's reason (strerror) when it cannot be read,
    /// and a plain word for a directory. Any readable file works, /dev/stdin and pipes included.
    private static func readFile(_ path: String) throws -> Data {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw FormatError(description: "\(path): cannot read: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw FormatError(description: "\(path): cannot read: is a directory, not a .npy file")
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FormatError(description: "\(path): cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            data.append(contentsOf: chunk[..<count])
            guard data.count <= TensorLimits.maximumTensorBytes + (1 << 20) else {
                throw FormatError(description: "\(path): over the host's limit of \(TensorLimits.limitText) per tensor")
            }
        }
        return data
    }

    /// The .npy (version 1.0) encoding.
    public var npyData: Data {
        let descr = Self.descriptors.first { $0.1 == dataType }?.0 ?? "<f4"
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = header.utf8.count
        out.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        out.append(contentsOf: Array(header.utf8))
        out.append(data)
        return out
    }
}
