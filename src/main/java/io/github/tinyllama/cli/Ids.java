package io.github.tinyllama.cli;

import picocli.CommandLine;

/** Parses {@code 1,2,3} into token ids, naming the item at fault. */
final class Ids implements CommandLine.ITypeConverter<long[]> {

    @Override
    public long[] convert(String value) {
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
        return ids;
    }
}
