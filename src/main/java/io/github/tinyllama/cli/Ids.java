package io.github.tinyllama.cli;

import picocli.CommandLine;

/**
 * Token ids given on the command line as {@code 1,2,3}.
 *
 * @param values the ids in order
 */
record Ids(long[] values) {

    /** The comma-separated form, as {@code --ids} and {@code --prompt-ids} take it. */
    static String format(long[] ids) {
        return java.util.Arrays.stream(ids).mapToObj(Long::toString).collect(java.util.stream.Collectors.joining(","));
    }

    /** Parses the comma-separated form, naming the item at fault. (picocli would split a bare array per element.) */
    static final class Converter implements CommandLine.ITypeConverter<Ids> {
        @Override
        public Ids convert(String value) {
            String[] parts = value.split(",", -1);
            long[] ids = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    ids[i] = Long.parseLong(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new CommandLine.TypeConversionException(
                            "'" + value + "' is not a comma-separated list of token ids: item " + (i + 1) + " is '"
                                    + parts[i] + "'");
                }
            }
            return new Ids(ids);
        }
    }
}
