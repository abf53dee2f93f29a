package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

class StopStringsTest {

    @Test
    void textBeforeAStopStringIsKeptAndTheRestDropped() {
        StopStrings stops = new StopStrings(List.of("###"));
        StringBuilder emitted = new StringBuilder();
        for (String delta : List.of("Hello", " wor", "ld #", "## Human:", " more")) {
            emitted.append(stops.add(delta));
            if (stops.stopped()) {
                break;
            }
        }
        emitted.append(stops.flush());
        assertTrue(stops.stopped());
        assertEquals("Hello world ", stops.text());
        assertEquals("Hello world ", emitted.toString());
    }

    @Test
    void aPossibleStartOfAStopStringIsHeldBackUntilResolved() {
        StopStrings stops = new StopStrings(List.of("</end>"));
        assertEquals("abc", stops.add("abc</e"));
        assertEquals("</ex", stops.add("x"));
        assertFalse(stops.stopped());
        assertEquals("", stops.flush());
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopStrings stops = new StopStrings(List.of("bb", "a b"));
        stops.add("xa bb");
        assertEquals("x", stops.text());
    }

    @Test
    void withoutStopStringsEverythingPassesStraightThrough() {
        StopStrings stops = new StopStrings(List.of());
        assertEquals("abc", stops.add("abc"));
        assertEquals("", stops.flush());
    }
}
