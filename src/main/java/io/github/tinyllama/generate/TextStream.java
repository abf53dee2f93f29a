package io.github.tinyllama.generate;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Generated text as an {@link Iterator} of pieces, for callers that pull rather than take a callback.
 *
 * <p>Generation runs on a worker thread and hands each piece over through a small queue, so the
 * model never races ahead of a slow reader by more than a few pieces. Closing the stream early
 * stops generation at the next token.
 */
public final class TextStream implements Iterator<String>, AutoCloseable {

    /** Marks the end of the pieces; compared by identity. */
    private static final String END = new String("");

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(16);
    private final ExecutorService worker;
    private final Future<GenerationResult> result;
    private volatile boolean closed;
    private String next;

    TextStream(Function<Consumer<String>, GenerationResult> generation) {
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tinyllama-stream");
            t.setDaemon(true);
            return t;
        });
        result = worker.submit(() -> {
            try {
                return generation.apply(this::offer);
            } finally {
                put(END);
            }
        });
        worker.shutdown();
    }

    private void offer(String piece) {
        if (closed) {
            throw new StreamClosedException();
        }
        put(piece);
    }

    private void put(String piece) {
        try {
            queue.put(piece);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamClosedException();
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for generated text", e);
            }
        }
        return next != END;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException("generation has ended");
        }
        String piece = next;
        next = null;
        return piece;
    }

    /**
     * The whole result, once every piece has been read (waits for generation to end).
     *
     * @return the result
     * @throws IllegalStateException if generation failed (with its cause) or the stream was closed early
     */
    public GenerationResult result() {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for generation", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("generation failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Stops generation (at its next token) and discards unread pieces. */
    @Override
    public void close() {
        closed = true;
        try {
            // Keep room in the queue so a worker blocked on a full queue reaches its next check and stops.
            while (!result.isDone()) {
                queue.poll(10, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
    }

    /** Thrown inside the worker to end generation when the reader closed the stream. */
    private static final class StreamClosedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StreamClosedException() {
            super("stream closed", null, false, false);
        }
    }
}
