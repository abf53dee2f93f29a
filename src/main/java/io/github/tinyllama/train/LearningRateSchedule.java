package io.github.tinyllama.train;

/**
 * TinyLlama's learning rate: linear warm-up to {@code lr} over {@code warmupSteps}, then a cosine
 * from {@code lr} down to {@code minLr}, reached at {@code maxSteps}.
 *
 * <p>At optimizer step {@code s} (0-based): {@code lr·(s+1)/W} while {@code s < W}, then
 * {@code minLr + ½(1 + cos(π·(s−W)/(S−W)))·(lr − minLr)}, and {@code minLr} from {@code S} on.
 *
 * @param lr the peak learning rate
 * @param minLr the final learning rate
 * @param warmupSteps steps of linear warm-up
 * @param maxSteps the step at which the cosine reaches {@code minLr}
 */
public record LearningRateSchedule(double lr, double minLr, int warmupSteps, int maxSteps) {

    /** Validates the values. */
    public LearningRateSchedule {
        if (!(lr > 0) || !(minLr >= 0) || minLr > lr) {
            throw new IllegalArgumentException("need 0 <= min-lr <= lr and lr > 0, found lr " + lr + ", min-lr " + minLr);
        }
        if (warmupSteps < 0 || maxSteps < 1) {
            throw new IllegalArgumentException("warm-up steps must be >= 0 and max steps >= 1");
        }
    }

    /** The learning rate of optimizer step {@code step} (0-based). */
    public double at(int step) {
        if (step < warmupSteps) {
            return lr * (step + 1) / warmupSteps;
        }
        if (step >= maxSteps || maxSteps <= warmupSteps) {
            return minLr;
        }
        double progress = (double) (step - warmupSteps) / (maxSteps - warmupSteps);
        return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (lr - minLr);
    }
}
