package io.github.tinyllama.zoo;

import java.util.List;
import java.util.Locale;

/**
 * One released checkpoint as {@code model-zoo/tinyllama-models.json} describes it.
 *
 * @param artifactId the name users ask for (the HF repository's name part)
 * @param repo the Hugging Face repository id
 * @param revision branch, tag or commit to download
 * @param family base, chat, code or v1.1
 * @param files the files to download
 * @param optionalFiles files downloaded when the repository has them
 * @param trainingTokens pre-training tokens seen, or {@code null} when unknown
 * @param steps pre-training steps, or {@code null}
 * @param chatFormat zephyr, chatml, guanaco or none
 * @param vocabSize the vocabulary size, or {@code null} when unknown
 * @param license the licence id
 * @param description what the checkpoint is
 * @param bundled for a model that ships with this project instead of the hub: its directory,
 *     relative to the project's home ({@code null} for hub models)
 */
record CatalogEntry(
        String artifactId,
        String repo,
        String revision,
        String family,
        List<String> files,
        List<String> optionalFiles,
        Double trainingTokens,
        Long steps,
        String chatFormat,
        Integer vocabSize,
        String license,
        String description,
        String bundled) {

    /** System property naming the project's home directory (the launcher sets it), where bundled models live. */
    static final String HOME_PROPERTY = "tinyllama.home";

    /**
     * The directory of a bundled model: under {@code tinyllama.home} when set, else under the working directory.
     *
     * @throws java.io.IOException if the model has not been built there
     */
    java.nio.file.Path bundledDirectory() throws java.io.IOException {
        java.nio.file.Path home = java.nio.file.Path.of(System.getProperty(HOME_PROPERTY, "."));
        java.nio.file.Path dir = home.resolve(bundled);
        if (!java.nio.file.Files.isRegularFile(dir.resolve("config.json"))) {
            throw new java.io.IOException("the bundled model " + artifactId + " is not in " + dir.toAbsolutePath()
                    + ": rebuild it with model-zoo/nano/build.sh, or run from the repository's root");
        }
        return dir;
    }

    /** Training tokens as people write them ("105B", "1.5T", "3T"), or "unknown". */
    String tokensLabel() {
        if (trainingTokens == null) {
            return "unknown";
        }
        double t = trainingTokens;
        return t >= 1e12 ? trim(t / 1e12) + "T" : trim(t / 1e9) + "B";
    }

    private static String trim(double value) {
        double rounded = Math.round(value * 100) / 100.0;
        return rounded == Math.rint(rounded) ? String.valueOf((long) rounded) : String.format(Locale.ROOT, "%s", rounded);
    }
}
