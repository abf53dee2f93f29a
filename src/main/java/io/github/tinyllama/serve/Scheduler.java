package io.github.tinyllama.serve;

import io.github.tinyllama.generate.BatchDecoder;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.LanguageModel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One thread that runs {@link BatchDecoder#step()} while any request waits or runs, and sleeps otherwise;
 * requests beyond the queue's bound are refused at once rather than piling up.
 */
public final class Scheduler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());

    private final BatchDecoder decoder;
    private final int maxQueue;
    private final Object wake = new Object();
    private final Thread thread;
    private final AtomicLong steps = new AtomicLong();
    private volatile boolean closed;

    /** Thrown when the queue is full: the caller answers 429. */
    public static final class QueueFullException extends Exception {
        private static final long serialVersionUID = 1L;

        QueueFullException(int bound) {
            super("the server is busy: " + bound + " requests are already waiting; retry shortly", null, false, false);
        }
    }

    /**
     * Starts the scheduling thread.
     *
     * @param model the model
     * @param maxBatch the most sequences decoded together
     * @param maxQueue the most requests waiting for a row
     */
    public Scheduler(LanguageModel model, int maxBatch, int maxQueue) {
        if (maxQueue < 0) {
            throw new IllegalArgumentException("the queue bound must not be negative, not " + maxQueue);
        }
        this.decoder = new BatchDecoder(model, maxBatch);
        this.maxQueue = maxQueue;
        this.thread = new Thread(this::run, "tinyllama-scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues a sequence.
     *
     * @param topLogprobs how many of the most likely tokens the listener gets at each position (0 for none)
     * @throws QueueFullException if {@code maxQueue} requests are already waiting
     * @throws IllegalArgumentException if the prompt is invalid (see {@link BatchDecoder#submit})
     */
    public BatchDecoder.Sequence submit(long[] promptIds, GenerationConfig config, int topLogprobs,
            BatchDecoder.TokenListener listener) throws QueueFullException {
        synchronized (wake) {
            if (closed) {
                throw new IllegalStateException("the scheduler is closed");
            }
            // Rows take requests at the next step, so only those beyond the rows count as queued.
            if (decoder.unfinished() >= decoder.maxRows() + maxQueue) {
                throw new QueueFullException(maxQueue);
            }
            BatchDecoder.Sequence s = decoder.submit(promptIds, config, topLogprobs, listener);
            wake.notifyAll();
            return s;
        }
    }

    /** Requests waiting for a row. */
    public int waiting() {
        return decoder.waiting();
    }

    /** Sequences holding a row. */
    public int running() {
        return decoder.running();
    }

    /** The most sequences decoded together. */
    public int maxBatch() {
        return decoder.maxRows();
    }

    /** Bytes of KV cache held now; 0 when idle. */
    public long cachedBytes() {
        return decoder.cachedBytes();
    }

    /** Decode steps run so far. */
    public long steps() {
        return steps.get();
    }

    private void run() {
        while (true) {
            synchronized (wake) {
                while (!closed && !decoder.hasWork()) {
                    try {
                        wake.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
            }
            try {
                decoder.step();
                steps.incrementAndGet();
            } catch (RuntimeException | Error e) {
                // The decoder has failed the running sequences and emptied itself; later requests go on.
                LOG.log(Level.WARNING, "a decode step failed: " + e);
            }
        }
    }

    /** Stops the thread and ends every sequence. */
    @Override
    public void close() {
        synchronized (wake) {
            closed = true;
            wake.notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        decoder.close();
    }
}
