import Foundation
import LiteHost
import LiteImageInput

// The functions of lite.h, exported with C names. Every one catches what the host throws and turns
// it into a LiteResult with a message; none traps on a NULL handle or a bad index.

private let apiVersion: UInt32 = (1 << 16) | 0

private func interpreterHandle(_ pointer: OpaquePointer?) -> InterpreterHandle? {
    pointer.map { Unmanaged<InterpreterHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

private func tensorHandle(_ pointer: OpaquePointer?) -> TensorHandle? {
    pointer.map { Unmanaged<TensorHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

private func optionsHandle(_ pointer: OpaquePointer?) -> OptionsHandle? {
    pointer.map { Unmanaged<OptionsHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

private func retained(_ object: AnyObject) -> OpaquePointer {
    OpaquePointer(Unmanaged.passRetained(object).toOpaque())
}

/// Runs `body` for a call with no interpreter: a failure becomes the thread's last error.
private func threadResult(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return LiteResultCode.ok
    } catch {
        let (code, message) = LiteResultCode.of(error)
        ThreadError.set(message)
        return code
    }
}

private func string(_ pointer: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let pointer else { throw APIError.invalid("\(what) is NULL") }
    return String(cString: pointer)
}

// MARK: - Version and errors

@_cdecl("lite_api_version")
public func lite_api_version() -> UInt32 { apiVersion }

@_cdecl("lite_last_error")
public func lite_last_error() -> UnsafePointer<CChar> { ThreadError.current }

@_cdecl("lite_result_name")
public func lite_result_name(_ result: Int32) -> UnsafePointer<CChar> {
    let name = LiteResultCode.names[result] ?? "LITE_RESULT_UNKNOWN"
    return UnsafePointer(resultNames[name]!.pointer)
}

private let resultNames: [String: CString] = Dictionary(
    uniqueKeysWithValues: (Array(LiteResultCode.names.values) + ["LITE_RESULT_UNKNOWN"]).map { ($0, CString($0)) })

// MARK: - Models

@_cdecl("lite_model_create_from_file")
public func lite_model_create_from_file(_ path: UnsafePointer<CChar>?, _ model: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    model?.pointee = nil
    return threadResult {
        guard let model else { throw APIError.invalid("lite_model_create_from_file: model is NULL") }
        let path = try string(path, "lite_model_create_from_file: path")
        model.pointee = retained(ModelHandle(try Model(path: path)))
    }
}

@_cdecl("lite_model_create_from_buffer")
public func lite_model_create_from_buffer(
    _ data: UnsafeRawPointer?, _ size: Int, _ model: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    model?.pointee = nil
    return threadResult {
        guard let model else { throw APIError.invalid("lite_model_create_from_buffer: model is NULL") }
        guard let data else { throw APIError.invalid("lite_model_create_from_buffer: data is NULL") }
        guard size > 0 else { throw APIError(code: LiteResultCode.modelError, message: "<memory>: empty buffer") }
        model.pointee = retained(ModelHandle(try Model(bytes: UnsafeRawBufferPointer(start: data, count: size))))
    }
}

@_cdecl("lite_model_delete")
public func lite_model_delete(_ model: OpaquePointer?) {
    guard let model else { return }
    Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(model)).release()
}

// MARK: - Options

@_cdecl("lite_interpreter_options_create")
public func lite_interpreter_options_create() -> OpaquePointer? { retained(OptionsHandle()) }

@_cdecl("lite_interpreter_options_delete")
public func lite_interpreter_options_delete(_ options: OpaquePointer?) {
    guard let options else { return }
    Unmanaged<OptionsHandle>.fromOpaque(UnsafeRawPointer(options)).release()
}

@_cdecl("lite_interpreter_options_add_delegate")
public func lite_interpreter_options_add_delegate(_ options: OpaquePointer?, _ delegate: UnsafePointer<CChar>?) -> Int32 {
    threadResult {
        guard let handle = optionsHandle(options) else { throw APIError.invalid("lite_interpreter_options_add_delegate: options is NULL") }
        let name = try string(delegate, "lite_interpreter_options_add_delegate: delegate").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !name.contains(",") else {
            throw APIError.invalid("lite_interpreter_options_add_delegate: '\(name)' is not a delegate name or path")
        }
        handle.delegates.append(name)
        handle.options.delegates = handle.delegates
    }
}

@_cdecl("lite_interpreter_options_set_delegate_option")
public func lite_interpreter_options_set_delegate_option(
    _ options: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ value: UnsafePointer<CChar>?
) -> Int32 {
    threadResult {
        guard let handle = optionsHandle(options) else { throw APIError.invalid("lite_interpreter_options_set_delegate_option: options is NULL") }
        let key = try string(key, "lite_interpreter_options_set_delegate_option: key")
        guard !key.isEmpty, !key.hasPrefix("."), !key.hasSuffix(".") else {
            throw APIError.invalid("delegate option key '\(key)' is not KEY or NAME.KEY")
        }
        handle.options.delegateOptions[key] = try string(value, "lite_interpreter_options_set_delegate_option: value")
    }
}

@_cdecl("lite_interpreter_options_set_precision")
public func lite_interpreter_options_set_precision(_ options: OpaquePointer?, _ precision: UnsafePointer<CChar>?) -> Int32 {
    threadResult {
        guard let handle = optionsHandle(options) else { throw APIError.invalid("lite_interpreter_options_set_precision: options is NULL") }
        let text = try string(precision, "lite_interpreter_options_set_precision: precision")
        guard let value = InterpreterOptions.Precision(rawValue: text) else {
            let known = InterpreterOptions.Precision.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.invalid("unknown precision '\(text)' (expected one of \(known))")
        }
        handle.options.precision = value
    }
}

@_cdecl("lite_interpreter_options_set_num_threads")
public func lite_interpreter_options_set_num_threads(_ options: OpaquePointer?, _ threads: Int32) -> Int32 {
    threadResult {
        guard let handle = optionsHandle(options) else { throw APIError.invalid("lite_interpreter_options_set_num_threads: options is NULL") }
        guard threads >= 0 else { throw APIError.invalid("num_threads must be > 0, or 0 for the delegates' defaults (got \(threads))") }
        handle.options.threadCount = threads == 0 ? nil : Int(threads)
    }
}

@_cdecl("lite_interpreter_options_set_profiling")
public func lite_interpreter_options_set_profiling(_ options: OpaquePointer?, _ enabled: Int32) -> Int32 {
    threadResult {
        guard let handle = optionsHandle(options) else { throw APIError.invalid("lite_interpreter_options_set_profiling: options is NULL") }
        handle.options.profiling = enabled != 0
    }
}

// MARK: - Interpreter

@_cdecl("lite_interpreter_create")
public func lite_interpreter_create(
    _ model: OpaquePointer?, _ options: OpaquePointer?, _ interpreter: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    interpreter?.pointee = nil
    return threadResult {
        guard let interpreter else { throw APIError.invalid("lite_interpreter_create: interpreter is NULL") }
        guard let model else { throw APIError.invalid("lite_interpreter_create: model is NULL") }
        let loaded = Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(model)).takeUnretainedValue().model
        let settings = optionsHandle(options)?.options ?? InterpreterOptions()
        interpreter.pointee = retained(InterpreterHandle(try Interpreter(model: loaded, options: settings)))
    }
}

@_cdecl("lite_interpreter_delete")
public func lite_interpreter_delete(_ interpreter: OpaquePointer?) {
    guard let interpreter else { return }
    Unmanaged<InterpreterHandle>.fromOpaque(UnsafeRawPointer(interpreter)).release()
}

@_cdecl("lite_interpreter_last_error")
public func lite_interpreter_last_error(_ interpreter: OpaquePointer?) -> UnsafePointer<CChar> {
    UnsafePointer((interpreterHandle(interpreter)?.lastError ?? CString.empty).pointer)
}

@_cdecl("lite_interpreter_input_count")
public func lite_interpreter_input_count(_ interpreter: OpaquePointer?) -> Int32 {
    Int32(interpreterHandle(interpreter)?.interpreter.inputTensorCount ?? 0)
}

@_cdecl("lite_interpreter_output_count")
public func lite_interpreter_output_count(_ interpreter: OpaquePointer?) -> Int32 {
    Int32(interpreterHandle(interpreter)?.interpreter.outputTensorCount ?? 0)
}

private func tensor(_ interpreter: OpaquePointer?, _ index: Int32, input: Bool) -> OpaquePointer? {
    guard let handle = interpreterHandle(interpreter) else {
        ThreadError.set("lite_interpreter_\(input ? "input" : "output"): interpreter is NULL")
        return nil
    }
    let list = input ? handle.inputs : handle.outputs
    guard list.indices.contains(Int(index)) else {
        let label = input ? "input" : "output"
        handle.fail("\(label) index \(index) out of range (model has \(list.count) \(label)s)")
        return nil
    }
    return OpaquePointer(Unmanaged.passUnretained(list[Int(index)]).toOpaque())
}

@_cdecl("lite_interpreter_input")
public func lite_interpreter_input(_ interpreter: OpaquePointer?, _ index: Int32) -> OpaquePointer? {
    tensor(interpreter, index, input: true)
}

@_cdecl("lite_interpreter_output")
public func lite_interpreter_output(_ interpreter: OpaquePointer?, _ index: Int32) -> OpaquePointer? {
    tensor(interpreter, index, input: false)
}

/// Runs `body` on the interpreter behind `pointer`, or fails for a NULL handle.
private func onInterpreter(_ pointer: OpaquePointer?, _ call: String, _ body: (InterpreterHandle) throws -> Void) -> Int32 {
    guard let handle = interpreterHandle(pointer) else {
        return threadResult { throw APIError.invalid("\(call): interpreter is NULL") }
    }
    return handle.result { try body(handle) }
}

@_cdecl("lite_interpreter_resize_input")
public func lite_interpreter_resize_input(
    _ interpreter: OpaquePointer?, _ index: Int32, _ dims: UnsafePointer<Int32>?, _ rank: Int32
) -> Int32 {
    onInterpreter(interpreter, "lite_interpreter_resize_input") { handle in
        guard rank >= 0, rank <= 16 else { throw APIError.invalid("input \(index): rank \(rank) out of range (0-16)") }
        guard let dims, rank > 0 else {
            throw APIError.invalid("input \(index): a resize needs at least one extent")
        }
        let shape = (0..<Int(rank)).map { Int(dims[$0]) }
        try handle.interpreter.resizeInput(at: Int(index), to: shape)
    }
}

@_cdecl("lite_interpreter_allocate_tensors")
public func lite_interpreter_allocate_tensors(_ interpreter: OpaquePointer?) -> Int32 {
    onInterpreter(interpreter, "lite_interpreter_allocate_tensors") { try $0.interpreter.allocateTensors() }
}

@_cdecl("lite_interpreter_invoke")
public func lite_interpreter_invoke(_ interpreter: OpaquePointer?) -> Int32 {
    onInterpreter(interpreter, "lite_interpreter_invoke") { try $0.interpreter.invoke() }
}

// MARK: - Plan and warnings

@_cdecl("lite_interpreter_partition_count")
public func lite_interpreter_partition_count(_ interpreter: OpaquePointer?) -> Int32 {
    Int32(interpreterHandle(interpreter)?.interpreter.partitionPlan.partitions.count ?? 0)
}

@_cdecl("lite_interpreter_partition_delegate")
public func lite_interpreter_partition_delegate(_ interpreter: OpaquePointer?, _ partition: Int32) -> UnsafePointer<CChar>? {
    guard let handle = interpreterHandle(interpreter), handle.partitionDelegates.indices.contains(Int(partition)) else { return nil }
    return UnsafePointer(handle.partitionDelegates[Int(partition)].pointer)
}

@_cdecl("lite_interpreter_partition_node_count")
public func lite_interpreter_partition_node_count(_ interpreter: OpaquePointer?, _ partition: Int32) -> Int32 {
    guard let partitions = interpreterHandle(interpreter)?.interpreter.partitionPlan.partitions,
          partitions.indices.contains(Int(partition)) else { return 0 }
    return Int32(partitions[Int(partition)].nodes.count)
}

@_cdecl("lite_interpreter_partition_node")
public func lite_interpreter_partition_node(_ interpreter: OpaquePointer?, _ partition: Int32, _ i: Int32) -> Int32 {
    guard let partitions = interpreterHandle(interpreter)?.interpreter.partitionPlan.partitions,
          partitions.indices.contains(Int(partition)), partitions[Int(partition)].nodes.indices.contains(Int(i)) else { return 0 }
    return Int32(partitions[Int(partition)].nodes[Int(i)])
}

@_cdecl("lite_interpreter_plan_json")
public func lite_interpreter_plan_json(_ interpreter: OpaquePointer?) -> UnsafePointer<CChar> {
    UnsafePointer((interpreterHandle(interpreter)?.planJSON ?? CString.empty).pointer)
}

@_cdecl("lite_interpreter_profile_json")
public func lite_interpreter_profile_json(_ interpreter: OpaquePointer?) -> UnsafePointer<CChar> {
    guard let handle = interpreterHandle(interpreter) else { return UnsafePointer(CString.empty.pointer) }
    handle.profileJSON = CString(handle.interpreter.lastProfile.map(JSONText.profile) ?? "{}")
    return UnsafePointer(handle.profileJSON.pointer)
}

@_cdecl("lite_interpreter_warning_count")
public func lite_interpreter_warning_count(_ interpreter: OpaquePointer?) -> Int32 {
    Int32(interpreterHandle(interpreter)?.warnings.count ?? 0)
}

@_cdecl("lite_interpreter_warning")
public func lite_interpreter_warning(_ interpreter: OpaquePointer?, _ index: Int32) -> UnsafePointer<CChar>? {
    guard let warnings = interpreterHandle(interpreter)?.warnings, warnings.indices.contains(Int(index)) else { return nil }
    return UnsafePointer(warnings[Int(index)].pointer)
}

// MARK: - Tensors

@_cdecl("lite_tensor_name")
public func lite_tensor_name(_ tensor: OpaquePointer?) -> UnsafePointer<CChar> {
    UnsafePointer((tensorHandle(tensor)?.name ?? CString.empty).pointer)
}

@_cdecl("lite_tensor_index")
public func lite_tensor_index(_ tensor: OpaquePointer?) -> Int32 {
    tensorHandle(tensor)?.info.map { Int32($0.tensorIndex) } ?? -1
}

@_cdecl("lite_tensor_type")
public func lite_tensor_type(_ tensor: OpaquePointer?) -> Int32 {
    tensorHandle(tensor)?.info?.dataType.cCode ?? 0
}

@_cdecl("lite_tensor_rank")
public func lite_tensor_rank(_ tensor: OpaquePointer?) -> Int32 {
    Int32(tensorHandle(tensor)?.info?.shape.count ?? 0)
}

@_cdecl("lite_tensor_dim")
public func lite_tensor_dim(_ tensor: OpaquePointer?, _ i: Int32) -> Int32 {
    guard let shape = tensorHandle(tensor)?.info?.shape, shape.indices.contains(Int(i)) else { return 0 }
    return Int32(clamping: shape[Int(i)])
}

@_cdecl("lite_tensor_byte_size")
public func lite_tensor_byte_size(_ tensor: OpaquePointer?) -> Int {
    tensorHandle(tensor)?.info?.byteCount ?? 0
}

@_cdecl("lite_tensor_data")
public func lite_tensor_data(_ tensor: OpaquePointer?) -> UnsafeMutableRawPointer? {
    guard let handle = tensorHandle(tensor) else { return nil }
    let interpreter = handle.owner.interpreter
    if handle.isInput { return (try? interpreter.inputBuffer(at: handle.index))?.baseAddress }
    return (try? interpreter.outputBuffer(at: handle.index))?.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
}

@_cdecl("lite_tensor_copy_from")
public func lite_tensor_copy_from(_ tensor: OpaquePointer?, _ data: UnsafeRawPointer?, _ size: Int) -> Int32 {
    guard let handle = tensorHandle(tensor) else {
        return threadResult { throw APIError.invalid("lite_tensor_copy_from: tensor is NULL") }
    }
    return handle.owner.result {
        guard handle.isInput else { throw APIError.invalid("output \(handle.index) is not an input: it cannot be written") }
        let buffer = try handle.owner.interpreter.inputBuffer(at: handle.index)
        try checkCopy(handle, size: size, expected: buffer.count, data: data)
        if size > 0, let base = buffer.baseAddress, let data { base.copyMemory(from: data, byteCount: size) }
    }
}

@_cdecl("lite_tensor_copy_to")
public func lite_tensor_copy_to(_ tensor: OpaquePointer?, _ data: UnsafeMutableRawPointer?, _ size: Int) -> Int32 {
    guard let handle = tensorHandle(tensor) else {
        return threadResult { throw APIError.invalid("lite_tensor_copy_to: tensor is NULL") }
    }
    return handle.owner.result {
        let interpreter = handle.owner.interpreter
        let buffer = handle.isInput
            ? UnsafeRawBufferPointer(try interpreter.inputBuffer(at: handle.index)) : try interpreter.outputBuffer(at: handle.index)
        try checkCopy(handle, size: size, expected: buffer.count, data: data)
        if size > 0, let base = buffer.baseAddress, let data { data.copyMemory(from: base, byteCount: size) }
    }
}

private func checkCopy(_ handle: TensorHandle, size: Int, expected: Int, data: UnsafeRawPointer?) throws {
    let label = "\(handle.isInput ? "input" : "output") \(handle.index) '\(handle.info?.name ?? "")'"
    guard size == expected else {
        let shape = handle.info.map { "\($0.shape), \($0.dataType)" } ?? ""
        throw APIError.invalid("\(label): got \(size) bytes, expected \(expected) (shape \(shape))")
    }
    guard data != nil || size == 0 else { throw APIError.invalid("\(label): data is NULL") }
}

@_cdecl("lite_tensor_set_image")
public func lite_tensor_set_image(_ tensor: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ mean: Float, _ std: Float) -> Int32 {
    guard let handle = tensorHandle(tensor) else {
        return threadResult { throw APIError.invalid("lite_tensor_set_image: tensor is NULL") }
    }
    return handle.owner.result {
        let path = try string(path, "lite_tensor_set_image: path")
        guard handle.isInput else { throw APIError.invalid("output \(handle.index) is not an input: it cannot be written") }
        try handle.owner.interpreter.fillInput(at: handle.index, fromImage: path, mean: mean, std: std)
    }
}

// MARK: - Delegates

@_cdecl("lite_delegates_json")
public func lite_delegates_json() -> UnsafePointer<CChar> {
    let text = JSONText.object(PluginRegistry.surveyReport())
    delegatesText.set(text)
    return delegatesText.current
}

/// The thread's last `lite_delegates_json` result.
private let delegatesText = ThreadLocalString()
