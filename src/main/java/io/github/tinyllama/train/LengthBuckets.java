package io.github.tinyllama.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The order in which fine-tuning visits its examples, with examples of similar length batched together so that
 * micro-batches, right-padded to their longest example, carry little padding.
 *
 * <p>Each epoch is a pure function of the seed and the epoch's number: the examples are shuffled with
 * {@code new Random(seed + epoch)}; the shuffled list is cut into buckets of {@link #BUCKET_STEPS} optimizer
 * steps' worth of examples, each bucket sorted by length (longest first; ties keep the shuffled order) and cut
 * into global batches; then the batches of the epoch are shuffled with the same generator. A step's examples are
 * therefore known from its index alone, so a run resumed at any step, mid-epoch or not, visits exactly the
 * examples an uninterrupted run would. Every example is visited once per epoch, and an epoch has
 * {@code ceil(examples / globalBatch)} steps, of which only the last may be short.
 *
 * <p>Why not basicdataset's {@code FixedBucketSampler} (see {@code docs/length-buckets.md}): it samples only a
 * {@code TextDataset} (lengths in DJL's own word tokens), shuffles with the process-wide
 * {@code RandomUtils.RANDOM} (the order cannot be rebuilt from the run's seed, so a resumed run could not
 * repeat it), ends every bucket with its own short batch (steps of varying size), and reads its bucket bounds
 * from a {@code HashSet}, whose order is not sorted in general.
 */
final class LengthBuckets {

    /**
     * Optimizer steps' worth of shuffled examples sorted together: larger buckets pad less but make an epoch's
     * batches more alike from one epoch to the next.
     */
    static final int BUCKET_STEPS = 8;

    private final int[] lengths;
    private final int globalBatch;
    private final long seed;
    private int cachedEpoch = -1;
    private List<int[]> cachedBatches;

    /**
     * The order of a data set.
     *
     * @param lengths each example's length in tokens (what a micro-batch pads to)
     * @param globalBatch examples per optimizer step
     * @param seed the run's seed
     */
    LengthBuckets(int[] lengths, int globalBatch, long seed) {
        if (lengths.length == 0 || globalBatch < 1) {
            throw new IllegalArgumentException("need at least one example and a global batch of at least 1");
        }
        this.lengths = lengths.clone();
        this.globalBatch = globalBatch;
        this.seed = seed;
    }

    /** Optimizer steps per epoch: {@code ceil(examples / globalBatch)}. */
    int stepsPerEpoch() {
        return (lengths.length + globalBatch - 1) / globalBatch;
    }

    /**
     * The examples of optimizer step {@code step}, longest first, so that consecutive micro-batches cut from them
     * pad little.
     *
     * @param step the step, counted from 0 over the whole run
     * @return indices into the data set
     */
    int[] step(int step) {
        int epoch = step / stepsPerEpoch();
        if (epoch != cachedEpoch) {
            cachedBatches = batches(epoch);
            cachedEpoch = epoch;
        }
        return cachedBatches.get(step % stepsPerEpoch()).clone();
    }

    private List<int[]> batches(int epoch) {
        Random random = new Random(seed + epoch);
        List<Integer> order = new ArrayList<>(lengths.length);
        for (int i = 0; i < lengths.length; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        int bucket = BUCKET_STEPS * globalBatch;
        List<int[]> batches = new ArrayList<>(stepsPerEpoch());
        for (int from = 0; from < order.size(); from += bucket) {
            List<Integer> sorted = new ArrayList<>(order.subList(from, Math.min(order.size(), from + bucket)));
            sorted.sort(Comparator.comparingInt((Integer i) -> lengths[i]).reversed());
            for (int b = 0; b < sorted.size(); b += globalBatch) {
                batches.add(sorted.subList(b, Math.min(sorted.size(), b + globalBatch)).stream()
                        .mapToInt(Integer::intValue).toArray());
            }
        }
        Collections.shuffle(batches, random);
        return batches;
    }
}
