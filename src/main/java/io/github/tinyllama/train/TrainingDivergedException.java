package io.github.tinyllama.train;

/** Training produced a NaN or infinite loss or gradient; the last good checkpoint is kept. */
public class TrainingDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what diverged, at which step, and where the last good checkpoint is
     */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
