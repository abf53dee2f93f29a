package io.github.tinyllama.eval;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The small data sets under {@code src/test/resources/eval/}, a few records per task in the published layout. */
final class EvalFixtures {

    private EvalFixtures() {}

    /** The fixture data directory. */
    static Path dataDir() {
        try {
            return Path.of(EvalFixtures.class.getResource("/eval/hellaswag/validation.jsonl").toURI())
                    .getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
