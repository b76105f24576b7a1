import Foundation

/// Text that comes from a plugin (error messages, log lines, decline reasons, device descriptions,
/// names), made safe for a terminal or a log before the host keeps it.
///
/// The rule, documented in docs/delegate-abi.md: at most `maximumLength` characters (the rest is cut
/// and the cut is marked), invalid UTF-8 replaced by U+FFFD, terminal escape sequences removed and
/// every other control character (C0 including CR, LF and TAB, DEL, C1) turned into a space, so one
/// plugin message stays one line of the host's output.
enum PluginText {
    /// Characters kept of one plugin message.
    static let maximumLength = 512
    /// Bytes read from a plugin's C string at most: a longer string is cut without reading on.
    static let maximumBytes = 4 * maximumLength

    /// What cleaning changed, for the strict validation mode.
    struct Changes: OptionSet {
        let rawValue: Int
        static let cut = Changes(rawValue: 1)
        static let controlCharacters = Changes(rawValue: 2)
    }

    /// Reads a NUL-terminated plugin string, reading no more than `maximumBytes` bytes of it.
    static func read(_ pointer: UnsafePointer<CChar>?) -> (text: String, changes: Changes) {
        guard let pointer else { return ("", []) }
        let length = strnlen(pointer, maximumBytes + 1)
        // Safe: strnlen found `length` readable bytes before the NUL or the bound.
        let bytes = UnsafeRawBufferPointer(start: pointer, count: min(length, maximumBytes))
        var (text, changes) = clean(String(decoding: bytes, as: UTF8.self))
        if length > maximumBytes, !changes.contains(.cut) {
            text += " [cut]"
            changes.insert(.cut)
        }
        return (text, changes)
    }

    /// `read(_:)` without the report of changes.
    static func string(_ pointer: UnsafePointer<CChar>?) -> String { read(pointer).text }

    /// Removes escape sequences, turns control characters into spaces and cuts to `maximumLength`.
    static func clean(_ text: String) -> (text: String, changes: Changes) {
        var changes: Changes = []
        var scalars = String.UnicodeScalarView()
        var iterator = text.unicodeScalars.makeIterator()
        var kept = 0
        while let scalar = iterator.next() {
            if scalar == "\u{1B}" {
                changes.insert(.controlCharacters)
                skipEscapeSequence(&iterator)
                continue
            }
            let value = scalar.value
            let isControl = value < 0x20 || value == 0x7F || (0x80...0x9F).contains(value)
            if isControl { changes.insert(.controlCharacters) }
            guard kept < maximumLength else {
                changes.insert(.cut)
                break
            }
            scalars.append(isControl ? " " : scalar)
            kept += 1
        }
        var result = String(scalars)
        if changes.contains(.cut) { result += " [cut]" }
        return (result, changes)
    }

    /// Skips the rest of an escape sequence after ESC: a CSI (`[` parameters, final byte 0x40-0x7E),
    /// an OSC (`]` up to BEL or ESC `\`), or a single following character.
    private static func skipEscapeSequence(_ iterator: inout String.UnicodeScalarView.Iterator) {
        guard let introducer = iterator.next() else { return }
        switch introducer {
        case "[":
            while let next = iterator.next(), !(0x40...0x7E).contains(next.value) {}
        case "]":
            while let next = iterator.next(), next != "\u{07}" {
                if next == "\u{1B}" {
                    _ = iterator.next()
                    return
                }
            }
        default:
            return
        }
    }
}
