package kerassr.core

/**
 * A small JSON reader (RFC 8259) for model sidecars and test fixtures.
 *
 * Values map to Kotlin types: object -> Map<String, Any?> (insertion ordered),
 * array -> List<Any?>, number -> Double, string -> String, true/false -> Boolean,
 * null -> null. No external library is needed, so the module builds with the plain
 * Kotlin stdlib that Debian ships.
 */
object Json {
    /** Parses [text]; throws [IllegalArgumentException] naming the offset on bad input. */
    fun parse(text: String): Any? {
        val reader = Reader(text)
        reader.skipSpace()
        val value = reader.readValue()
        reader.skipSpace()
        if (!reader.atEnd()) reader.fail("unexpected trailing text")
        return value
    }

    private class Reader(val text: String) {
        var pos = 0

        fun atEnd() = pos >= text.length

        fun fail(message: String): Nothing =
            throw IllegalArgumentException("invalid JSON at offset $pos: $message")

        fun skipSpace() {
            while (pos < text.length && (text[pos] == ' ' || text[pos] == '\n' ||
                        text[pos] == '\r' || text[pos] == '\t')) pos++
        }

        fun expect(c: Char) {
            if (pos >= text.length || text[pos] != c) fail("expected '$c'")
            pos++
        }

        fun readValue(): Any? {
            if (atEnd()) fail("unexpected end of text")
            return when (text[pos]) {
                '{' -> readObject()
                '[' -> readArray()
                '"' -> readString()
                't' -> readWord("true", true)
                'f' -> readWord("false", false)
                'n' -> readWord("null", null)
                else -> readNumber()
            }
        }

        fun readWord(word: String, value: Any?): Any? {
            if (!text.startsWith(word, pos)) fail("expected $word")
            pos += word.length
            return value
        }

        fun readObject(): Map<String, Any?> {
            val result = LinkedHashMap<String, Any?>()
            expect('{')
            skipSpace()
            if (!atEnd() && text[pos] == '}') { pos++; return result }
            while (true) {
                skipSpace()
                val key = readString()
                skipSpace()
                expect(':')
                skipSpace()
                result[key] = readValue()
                skipSpace()
                if (atEnd()) fail("unterminated object")
                if (text[pos] == ',') { pos++; continue }
                expect('}')
                return result
            }
        }

        fun readArray(): List<Any?> {
            val result = ArrayList<Any?>()
            expect('[')
            skipSpace()
            if (!atEnd() && text[pos] == ']') { pos++; return result }
            while (true) {
                skipSpace()
                result.add(readValue())
                skipSpace()
                if (atEnd()) fail("unterminated array")
                if (text[pos] == ',') { pos++; continue }
                expect(']')
                return result
            }
        }

        fun readString(): String {
            expect('"')
            val out = StringBuilder()
            while (true) {
                if (atEnd()) fail("unterminated string")
                val c = text[pos++]
                when {
                    c == '"' -> return out.toString()
                    c == '\\' -> {
                        if (atEnd()) fail("unterminated escape")
                        when (val e = text[pos++]) {
                            '"' -> out.append('"')
                            '\\' -> out.append('\\')
                            '/' -> out.append('/')
                            'b' -> out.append('\b')
                            'f' -> out.append('\u000C')
                            'n' -> out.append('\n')
                            'r' -> out.append('\r')
                            't' -> out.append('\t')
                            'u' -> {
                                if (pos + 4 > text.length) fail("short \\u escape")
                                val hex = text.substring(pos, pos + 4)
                                val code = hex.toIntOrNull(16) ?: fail("bad \\u escape '$hex'")
                                out.append(code.toChar())
                                pos += 4
                            }
                            else -> fail("unknown escape '\\$e'")
                        }
                    }
                    c < ' ' -> fail("control character in string")
                    else -> out.append(c)
                }
            }
        }

        fun readNumber(): Double {
            val start = pos
            if (pos < text.length && text[pos] == '-') pos++
            while (pos < text.length && (text[pos].isDigit() || text[pos] == '.' ||
                        text[pos] == 'e' || text[pos] == 'E' || text[pos] == '+' || text[pos] == '-')) pos++
            val token = text.substring(start, pos)
            if (token.length == 0 || token == "-") { pos = start; fail("expected a value") }
            return token.toDoubleOrNull() ?: run { pos = start; fail("bad number '$token'") }
        }
    }
}
