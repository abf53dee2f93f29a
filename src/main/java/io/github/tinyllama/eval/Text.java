package io.github.tinyllama.eval;

/** Python's string methods where the harness relies on their exact behaviour. */
final class Text {

    private Text() {}

    /** Python's {@code str.isspace} for one code point. */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** Python's {@code str.strip()}. */
    static String strip(String s) {
        return rstrip(lstrip(s));
    }

    /** Python's {@code str.lstrip()}. */
    static String lstrip(String s) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!isSpace(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    /** Python's {@code str.rstrip()}. */
    static String rstrip(String s) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    /** Python's {@code str.capitalize()}: the first character in title case, the rest in lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        int n = Character.charCount(first);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(n).toLowerCase(java.util.Locale.ROOT)).toString();
    }

    /** Python's {@code len()}: code points. */
    static int length(String s) {
        return s.codePointCount(0, s.length());
    }
}
