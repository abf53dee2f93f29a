package io.github.tinyllama.zoo;

import java.net.http.HttpHeaders;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the hub says about one file, gathered from the headers of every hop of a request (the hub's
 * own answer carries {@code X-Linked-ETag} and {@code X-Linked-Size} even when it redirects to a
 * CDN).
 */
final class RemoteFile {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** The sha256 in lower-case hex, or null when the hub gave none. */
    String sha256;
    /** The size in bytes, or -1 when unknown. */
    long size = -1;

    /**
     * Takes the checksum and size from one hop's headers, keeping values already found.
     *
     * @param headers the response headers
     * @param status the response status
     */
    void collect(HttpHeaders headers, int status) {
        if (sha256 == null) {
            sha256 = sha256Of(headers.firstValue("X-Linked-ETag"));
        }
        if (sha256 == null) {
            sha256 = sha256Of(headers.firstValue("ETag"));
        }
        if (size < 0) {
            size = parseSize(headers.firstValue("X-Linked-Size"));
        }
        if (size < 0 && status == 200) {
            size = parseSize(headers.firstValue("Content-Length"));
        }
        if (size < 0 && status == 206) {
            size = totalOfContentRange(headers.firstValue("Content-Range").orElse(null));
        }
    }

    /**
     * Extracts a sha256 from an entity tag: {@code abc...}, {@code "abc..."} or {@code W/"abc..."}.
     *
     * @param etag the header value
     * @return the lower-case hex digest, or null if the tag is not a sha256
     */
    static String sha256Of(Optional<String> etag) {
        if (etag.isEmpty()) {
            return null;
        }
        String v = etag.get().trim();
        if (v.startsWith("W/") || v.startsWith("w/")) {
            v = v.substring(2).trim();
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        v = v.toLowerCase(Locale.ROOT);
        return SHA256.matcher(v).matches() ? v : null;
    }

    private static long parseSize(Optional<String> value) {
        try {
            return value.isPresent() ? Math.max(-1, Long.parseLong(value.get().trim())) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Parses {@code bytes start-end/total}.
     *
     * @param header the Content-Range value, or null
     * @return {start, total}; total is -1 when given as {@code *}; null when absent or malformed
     */
    static long[] parseContentRange(String header) {
        if (header == null) {
            return null;
        }
        String v = header.trim();
        if (!v.regionMatches(true, 0, "bytes ", 0, 6)) {
            return null;
        }
        v = v.substring(6).trim();
        int dash = v.indexOf('-');
        int slash = v.indexOf('/');
        if (dash <= 0 || slash <= dash) {
            return null;
        }
        try {
            long start = Long.parseLong(v.substring(0, dash).trim());
            String total = v.substring(slash + 1).trim();
            return new long[] {start, "*".equals(total) ? -1 : Long.parseLong(total)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long totalOfContentRange(String header) {
        long[] r = parseContentRange(header);
        return r == null ? -1 : r[1];
    }
}
