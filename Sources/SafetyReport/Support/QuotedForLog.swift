// One way to show a value inside a log line or `inspect`'s text: quoted, escaped as JSON does, on one line.

extension String {
    /// The text in double quotes; `"`, `\`, tab, CR and LF escaped as in JSON, and every other control character,
    /// NEL, line and paragraph separator and BOM as `\uXXXX`, so that a value can neither split a line nor hide.
    var quotedForLog: String {
        var text = "\""
        for scalar in unicodeScalars {
            switch scalar {
            case "\\": text += "\\\\"
            case "\"": text += "\\\""
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x85
                || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }
}
