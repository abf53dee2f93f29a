package io.github.tinyllama.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RepoPathsTest {

    @ParameterizedTest
    @ValueSource(strings = {"config.json", "sub/dir/model.safetensors", "a b.json", "model-00001-of-00002.bin",
        "..hidden", "x..y"})
    void relativeNamesPass(String name) {
        assertNull(RepoPaths.problem(name));
        assertEquals(name, RepoPaths.check(name, "test"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "../escape.bin|has a \"..\" path segment",
        "a/../../b|has a \"..\" path segment",
        "./a|has a \".\" path segment",
        "/etc/passwd|is an absolute path",
        "a\\b|holds a backslash",
        "..\\evil|holds a backslash",
        "C:evil.bin|starts with a drive letter",
        "c:/evil.bin|starts with a drive letter",
        "a//b|has an empty path segment",
        "dir/|has an empty path segment",
    })
    void escapesAreRefusedWithTheReason(String name, String reason) {
        assertEquals(reason, RepoPaths.problem(name));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RepoPaths.check(name, "the file list of o/n@main"));
        assertTrue(e.getMessage().startsWith("the file list of o/n@main names \"" + name + "\", which " + reason),
                e.getMessage());
    }

    @Test
    void emptyNullAndControlCharactersAreRefused() {
        assertEquals("is empty", RepoPaths.problem(""));
        assertEquals("is empty", RepoPaths.problem(null));
        assertEquals("holds a control character", RepoPaths.problem("a\0b"));
        assertEquals("holds a control character", RepoPaths.problem("a\nb"));
    }
}
