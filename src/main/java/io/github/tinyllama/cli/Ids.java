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

    /**
     * The ids, checked against the model's vocabulary.
     *
     * @param spec the command, for the usage error
     * @param option the option that gave the ids
     * @param vocabSize the model's vocabulary size
     * @throws CommandLine.ParameterException (exit status 2) naming the first id outside {@code 0..vocabSize-1}
     */
    long[] checked(CommandLine.Model.CommandSpec spec, String option, int vocabSize) {
        for (int i = 0; i < values.length; i++) {
            Usage.require(spec, values[i] >= 0 && values[i] < vocabSize, option + ": token id " + values[i]
                    + " (item " + (i + 1) + ") is outside the model's vocabulary of " + vocabSize + " (0.."
                    + (vocabSize - 1) + ")");
        }
        return values;
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
