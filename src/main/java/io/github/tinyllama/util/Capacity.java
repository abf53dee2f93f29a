package io.github.tinyllama.util;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks of a size against the memory or disk space there is, made before allocating or writing it: a size
 * computed from a config file or an option (a context of 10^9 positions, a model of 10^15 weights) is refused
 * with one line instead of ending in an out-of-memory error, an overflow or a full disk.
 */
public final class Capacity {

    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private Capacity() {}

    /**
     * Memory the process can still take without swapping: Linux's {@code MemAvailable}, elsewhere the free
     * physical memory the JVM reports.
     *
     * @return bytes
     */
    public static long availableMemory() {
        try {
            for (String line : Files.readAllLines(MEMINFO)) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc unreadable: fall back on what the JVM knows.
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getFreeMemorySize();
    }

    /**
     * Refuses an allocation larger than the memory available now.
     *
     * @param bytes the size about to be allocated (negative means it overflowed a long: refused)
     * @param what what it is, for the message ("the KV cache for 1000000000 tokens")
     * @param advice what to try instead
     * @throws IllegalArgumentException if it does not fit
     */
    public static void requireMemory(long bytes, String what, String advice) {
        long available = availableMemory();
        if (bytes < 0 || bytes > available) {
            throw new IllegalArgumentException(what + " needs " + describe(bytes) + " but " + describe(available)
                    + " of memory is available; " + advice);
        }
    }

    /**
     * Refuses to write more than the file system holding {@code dir} has room for.
     *
     * @param dir the folder written into (or the nearest existing folder above it)
     * @param bytes the size about to be written (negative means it overflowed a long: refused)
     * @param what what it is, for the message
     * @throws IOException naming the folder if it does not fit
     */
    public static void requireDiskSpace(Path dir, long bytes, String what) throws IOException {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        long usable = Files.getFileStore(existing).getUsableSpace();
        if (bytes < 0 || bytes > usable) {
            throw new IOException(dir + ": " + what + " needs " + describe(bytes) + " but the disk has "
                    + describe(usable) + " free");
        }
    }

    /** A byte count as people read it: "3.2 GiB"; a negative count (an overflow) as "more than 8 EiB". */
    public static String describe(long bytes) {
        if (bytes < 0) {
            return "more than 8 EiB";
        }
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
