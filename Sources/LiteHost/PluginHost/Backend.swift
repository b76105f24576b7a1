import DelegateABI

/// One backend of a plugin library, with its identity, capability report and function table as
/// read within the struct_size the plugin declared (functions past it read as absent).
public struct BackendDescription: Sendable, CustomStringConvertible {
    public struct OperatorSupport: Sendable {
        public let name: String
        public let code: Int32
        public let versions: ClosedRange<Int32>
    }
    public let name: String
    public let vendor: String
    public let version: String
    public let kind: String
    public let libraryPath: String
    public let abiVersion: String
    /// The minor part of `abiVersion` (the major is the host's: others do not load).
    var abiMinorVersion: Int { Int(abiVersion.split(separator: ".").last ?? "") ?? 0 }
    public let operators: [OperatorSupport]
    public let customOperators: [String]
    public let dataTypes: [String]
    public let precisions: [String]
    public let threading: String

    public var description: String { "\(name) \(version) (\(libraryPath))" }

    /// Whether `precision` ("fp32", "fp16") is one this backend declares in its precision mask.
    public func offers(precision: String) -> Bool { precisions.contains(precision) }

    /// The operator of a node, as "CONV_2D v2" or "custom Foo", when the capability report does not
    /// declare it (code and version range, or custom name); nil when it does.
    func undeclaredOperator(code: Int32, version: Int32, customName: String?) -> String? {
        if code == LITE_OP_CUSTOM.rawValue {
            let name = customName ?? ""
            return customOperators.contains(name) ? nil : "custom operator '\(name)'"
        }
        if operators.contains(where: { $0.code == code && $0.versions.contains(version) }) { return nil }
        return "\(operatorName(code: code, customName: nil)) v\(version)"
    }
}

struct Backend: @unchecked Sendable {
    let library: PluginLibrary
    let pointer: UnsafePointer<LiteBackend>
    let info: BackendDescription
    let threading: LiteThreadingModel

    // Function table. Required functions are checked at load; optional ones may be nil.
    let queryDevice: (@convention(c) (UnsafeMutablePointer<CChar>?, Int) -> LiteStatus)?
    /// Optional (ABI 1.2); preferred over `queryDevice`.
    let queryDeviceInfo: (@convention(c) (UnsafeMutablePointer<LiteDeviceInfo>?) -> LiteStatus)?
    let createDelegate: @convention(c) (
        UnsafePointer<LiteHostServices>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?,
        Int, UnsafeMutablePointer<OpaquePointer?>?
    ) -> LiteStatus
    let destroyDelegate: @convention(c) (OpaquePointer?) -> Void
    let claimNodes: @convention(c) (OpaquePointer?, UnsafePointer<LiteGraph>?, LiteVerdictFn?, UnsafeMutableRawPointer?) -> LiteStatus
    let createPartition: @convention(c) (
        OpaquePointer?, UnsafePointer<LiteGraph>?, UnsafePointer<Int32>?, Int32, UnsafePointer<Int32>?, Int32,
        UnsafePointer<Int32>?, Int32, UnsafeMutablePointer<OpaquePointer?>?
    ) -> LiteStatus
    let preparePartition: @convention(c) (OpaquePointer?, UnsafePointer<LiteGraph>?) -> LiteStatus
    let invokePartition: @convention(c) (
        OpaquePointer?, UnsafePointer<UnsafeRawPointer?>?, UnsafePointer<Int>?, UnsafePointer<UnsafeMutableRawPointer?>?,
        UnsafePointer<Int>?
    ) -> LiteStatus
    let destroyPartition: @convention(c) (OpaquePointer?) -> Void
    /// Optional (ABI 1.2).
    let describePartition: (@convention(c) (OpaquePointer?, UnsafeMutablePointer<LitePartitionInfo>?) -> LiteStatus)?

    var name: String { info.name }

    init(library: PluginLibrary, pointer: UnsafePointer<LiteBackend>) throws {
        self.library = library
        self.pointer = pointer
        let backend = pointer.pointee
        let size = backend.struct_size
        let path = library.path
        guard size >= MemoryLayout.offset(of: \LiteBackend.threading)! + 4, size <= 1 << 16 else {
            throw InterpreterError.pluginLoad("\(path): backend table has an invalid struct_size \(size)")
        }
        /// Whether the function pointer at `field` lies within what the plugin declared.
        func fits(_ field: PartialKeyPath<LiteBackend>) -> Bool {
            MemoryLayout<LiteBackend>.offset(of: field)! + MemoryLayout<UnsafeRawPointer>.size <= size
        }
        guard let namePointer = backend.name, !PluginText.string(namePointer).isEmpty else {
            throw InterpreterError.pluginLoad("\(path): backend has no name")
        }
        let name = PluginText.string(namePointer)
        func required<T>(_ field: PartialKeyPath<LiteBackend>, _ value: T?, _ label: String) throws -> T {
            guard fits(field), let value else {
                throw InterpreterError.pluginLoad("\(path): backend '\(name)' lacks the required function \(label)")
            }
            return value
        }
        queryDevice = fits(\LiteBackend.query_device) ? backend.query_device : nil
        queryDeviceInfo = fits(\LiteBackend.query_device_info) ? backend.query_device_info : nil
        createDelegate = try required(\LiteBackend.create_delegate, backend.create_delegate, "create_delegate")
        destroyDelegate = try required(\LiteBackend.destroy_delegate, backend.destroy_delegate, "destroy_delegate")
        claimNodes = try required(\LiteBackend.claim_nodes, backend.claim_nodes, "claim_nodes")
        createPartition = try required(\LiteBackend.create_partition, backend.create_partition, "create_partition")
        preparePartition = try required(\LiteBackend.prepare_partition, backend.prepare_partition, "prepare_partition")
        invokePartition = try required(\LiteBackend.invoke_partition, backend.invoke_partition, "invoke_partition")
        destroyPartition = try required(\LiteBackend.destroy_partition, backend.destroy_partition, "destroy_partition")
        describePartition = fits(\LiteBackend.describe_partition) ? backend.describe_partition : nil
        threading = backend.threading

        info = try Self.capabilities(backend, name: name, library: library)
    }

    /// The static capability report of `backend` (named `name`, in `library`), checked and copied.
    private static func capabilities(_ backend: LiteBackend, name: String, library: PluginLibrary) throws -> BackendDescription {
        let kindName: String
        switch backend.kind {
        case LITE_BACKEND_KIND_CPU: kindName = "cpu"
        case LITE_BACKEND_KIND_GPU: kindName = "gpu"
        case LITE_BACKEND_KIND_ACCELERATOR: kindName = "accelerator"
        default: kindName = "unknown"
        }
        return BackendDescription(
            name: name,
            vendor: PluginText.string(backend.vendor),
            version: PluginText.string(backend.version),
            kind: kindName,
            libraryPath: library.path,
            abiVersion: "\(library.abiVersion.major).\(library.abiVersion.minor)",
            operators: try operators(backend, name: name, path: library.path),
            customOperators: customOperators(backend),
            dataTypes: typeNames.filter { backend.data_type_mask & (1 << $0.0.rawValue) != 0 }.map(\.1),
            precisions: [(LITE_PRECISION_FP32, "fp32"), (LITE_PRECISION_FP16, "fp16")]
                .filter { backend.precision_mask & $0.0.rawValue != 0 }.map(\.1),
            threading: backend.threading == LITE_THREADING_CREATOR_THREAD ? "creator-thread" : "free")
    }

    private static let typeNames: [(LiteDataType, String)] = [
        (LITE_DATA_TYPE_FLOAT32, "float32"), (LITE_DATA_TYPE_FLOAT16, "float16"), (LITE_DATA_TYPE_INT32, "int32"),
        (LITE_DATA_TYPE_INT64, "int64"), (LITE_DATA_TYPE_INT8, "int8"), (LITE_DATA_TYPE_UINT8, "uint8"),
        (LITE_DATA_TYPE_BOOL, "bool"), (LITE_DATA_TYPE_INT16, "int16"),
    ]

    /// The builtin operators the report declares, read with the stride of the list's first element.
    private static func operators(_ backend: LiteBackend, name: String, path: String) throws -> [BackendDescription.OperatorSupport] {
        guard let list = backend.operators, backend.operator_count > 0 else { return [] }
        let stride = list.pointee.struct_size
        guard stride >= MemoryLayout<LiteOperatorSupport>.size, stride <= 4096, backend.operator_count <= 4096 else {
            throw InterpreterError.pluginLoad("\(path): backend '\(name)' operator list has an invalid struct_size")
        }
        return (0..<backend.operator_count).map { index in
            // Safe: the plugin promises operator_count elements of `stride` bytes each.
            let entry = UnsafeRawPointer(list).advanced(by: index * stride)
                .assumingMemoryBound(to: LiteOperatorSupport.self).pointee
            let low = min(entry.min_version, entry.max_version), high = max(entry.min_version, entry.max_version)
            return .init(name: operatorName(code: entry.builtin_code, customName: nil), code: entry.builtin_code, versions: low...high)
        }
    }

    private static func customOperators(_ backend: LiteBackend) -> [String] {
        guard let list = backend.custom_operators, backend.custom_operator_count <= 4096 else { return [] }
        return (0..<backend.custom_operator_count).compactMap { list[$0].map(PluginText.string) }
    }

    /// A device a backend found.
    struct Device {
        let description: String
        let kind: LiteDeviceKind
        /// A GPU API emulated on the CPU: used when asked for by name, passed over by default.
        var isSoftwareEmulation: Bool { kind == LITE_DEVICE_KIND_SOFTWARE_EMULATION }
    }

    /// The plugin's device probe: the device, or why there is none.
    func probeDevice() -> Result<Device, InterpreterError> {
        var status: LiteStatus
        var message: String
        var kind = LITE_DEVICE_KIND_UNKNOWN
        if let queryDeviceInfo {
            var info = LiteDeviceInfo()
            info.struct_size = MemoryLayout<LiteDeviceInfo>.size
            status = queryDeviceInfo(&info)
            kind = info.kind
            message = withUnsafeBytes(of: &info.description, textBeforeNUL)
        } else if let queryDevice {
            var text = [CChar](repeating: 0, count: 512)
            status = queryDevice(&text, text.count)
            message = text.withUnsafeBytes(textBeforeNUL)
        } else {
            return .success(Device(description: "", kind: kind))
        }
        if status == LITE_STATUS_OK { return .success(Device(description: message, kind: kind)) }
        return .failure(InterpreterError(
            .pluginLoad, "delegate '\(name)' (\(library.path)): device unavailable: \(message.isEmpty ? statusName(status) : message)",
            status: status))
    }

    /// Whether this backend sorts before `other` when no order was given: GPUs, then other
    /// accelerators, then CPUs.
    var defaultRank: Int {
        switch pointer.pointee.kind {
        case LITE_BACKEND_KIND_GPU: return 0
        case LITE_BACKEND_KIND_ACCELERATOR: return 1
        case LITE_BACKEND_KIND_CPU: return 2
        default: return 1
        }
    }
}
