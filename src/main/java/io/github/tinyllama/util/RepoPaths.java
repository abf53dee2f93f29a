package io.github.tinyllama.util;

import java.util.regex.Pattern;

/**
 * The one rule for file names that come from outside (a hub's file list, an index's
 * {@code weight_map}, a catalogue): a name is a relative path inside one directory, with {@code /}
 * between its parts, and never a way out of that directory.
 *
 * <p>Refused: the empty name, absolute paths, backslashes, drive letters ({@code C:}), empty parts
 * ({@code a//b}, a trailing {@code /}), {@code .} and {@code ..} parts, and control characters. Each
 * is refused before the name is resolved against a directory or put into a URL, so a hostile list
 * can neither read nor write outside the directory it describes.
 */
public final class RepoPaths {

    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:");

    private RepoPaths() {}

    /**
     * Says what is wrong with a name, if anything.
     *
     * @param name the name as it came from outside
     * @return null when the name is a safe relative path, else why it is not (a phrase that follows
     *     "which ...", such as "is absolute")
     */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "is empty";
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return "holds a control character";
            }
        }
        if (name.indexOf('\\') >= 0) {
            return "holds a backslash";
        }
        if (name.startsWith("/")) {
            return "is an absolute path";
        }
        if (DRIVE.matcher(name).find()) {
            return "starts with a drive letter";
        }
        for (String part : name.split("/", -1)) {
            if (part.isEmpty()) {
                return "has an empty path segment";
            }
            if (part.equals(".") || part.equals("..")) {
                return "has a \"" + part + "\" path segment";
            }
        }
        return null;
    }

    /**
     * Checks a name, failing with a message that says where it came from.
     *
     * @param name the name as it came from outside
     * @param where what listed it, such as {@code "the hub's file list of o/n@main"}
     * @return the name, unchanged
     * @throws IllegalArgumentException if the name is not a safe relative path; the message names
     *     {@code where} and the name
     */
    public static String check(String name, String where) {
        String problem = problem(name);
        if (problem != null) {
            throw new IllegalArgumentException(where + " names \"" + name + "\", which " + problem
                    + "; only relative paths inside the directory are allowed");
        }
        return name;
    }
}
