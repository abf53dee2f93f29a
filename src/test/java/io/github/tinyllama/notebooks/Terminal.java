package io.github.tinyllama.notebooks;

/**
 * Applies carriage returns as a terminal and Jupyter's output area do: text after a {@code \r}
 * overwrites its line from the start. Progress bars redraw one line this way; a saved notebook
 * holds what the reader saw, the last drawing of each line.
 */
final class Terminal {

    private Terminal() {}

    static String render(String text) {
        StringBuilder out = new StringBuilder(text.length());
        StringBuilder line = new StringBuilder();
        int column = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                continue;
            }
            if (c == '\r') {
                column = 0;
            } else if (c == '\n') {
                out.append(line).append('\n');
                line.setLength(0);
                column = 0;
            } else {
                if (column < line.length()) {
                    line.setCharAt(column, c);
                } else {
                    line.append(c);
                }
                column++;
            }
        }
        return out.append(line).toString();
    }
}
