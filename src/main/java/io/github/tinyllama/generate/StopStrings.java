package io.github.tinyllama.generate;

import java.util.List;

/**
 * Watches generated text for stop strings while streaming it.
 *
 * <p>Text that could still turn out to be the start of a stop string is held back, so a streaming
 * caller never receives part of a stop string.
 */
final class StopStrings {

    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopStrings(List<String> stops) {
        this.stops = stops;
    }

    /**
     * Adds newly decoded text.
     *
     * @return the text that is now safe to emit (maybe empty)
     */
    String add(String delta) {
        int searchFrom = Math.max(0, text.length() - longestStop());
        text.append(delta);
        int cut = firstStop(searchFrom);
        if (cut >= 0) {
            stopped = true;
            text.setLength(cut);
            return release(cut);
        }
        return release(text.length() - heldBack());
    }

    /** Whether a stop string was found. */
    boolean stopped() {
        return stopped;
    }

    /** Everything not yet emitted; call once generation has ended. */
    String flush() {
        return release(text.length());
    }

    /** All text accepted so far, cut before a stop string. */
    String text() {
        return text.toString();
    }

    private String release(int upTo) {
        if (upTo <= emitted) {
            return "";
        }
        String out = text.substring(emitted, upTo);
        emitted = upTo;
        return out;
    }

    private int firstStop(int from) {
        int best = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, from);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /** Length of the longest tail of the text that is a proper prefix of some stop string. */
    private int heldBack() {
        int hold = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, text.length()); n > hold; n--) {
                if (stop.startsWith(text.substring(text.length() - n))) {
                    hold = n;
                    break;
                }
            }
        }
        return hold;
    }

    private int longestStop() {
        return stops.stream().mapToInt(String::length).max().orElse(0);
    }
}
