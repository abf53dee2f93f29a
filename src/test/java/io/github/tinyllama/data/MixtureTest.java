package io.github.tinyllama.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Record;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

class MixtureTest {

    @TempDir
    static Path dir;

    /** seqLen 3: blocks of 4 tokens, 2 per 9-token file (one token unused). */
    private static final int SEQ = 3;
    private static final int CHUNK = 9;

    /**
     * Writes files whose tokens encode where they are: source s, file f, token t as s*10000 + f*100 + t.
     */
    @BeforeAll
    static void writeFiles() throws IOException {
        String[] prefixes = {"train_slim", "train_star"};
        int[] files = {5, 3};
        for (int s = 0; s < 2; s++) {
            try (PackedWriter w = new PackedWriter(dir, prefixes[s], CHUNK, 1)) {
                for (int f = 0; f < files[s]; f++) {
                    long[] t = new long[CHUNK];
                    for (int i = 0; i < CHUNK; i++) {
                        t[i] = s * 10000L + f * 100L + i;
                    }
                    w.add(t);
                }
            }
        }
    }

    @Test
    void pythonRandomMatchesCPython() {
        // python3: r = random.Random(42); r.choices([0,1], weights=[0.693584,0.306416], k=1)[0], 64 times
        String expected = "0000101000000000001011001000101101001010100000000000010001001000";
        PythonRandom r = new PythonRandom(42);
        double[] cum = {0.693584, 0.693584 + 0.306416};
        StringBuilder got = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            got.append(r.choice(cum));
        }
        assertEquals(expected, got.toString());
        PythonRandom r2 = new PythonRandom(3407);
        assertEquals(0.056836637998436745, r2.random());
        assertEquals(0.13270277776504658, r2.random());
        assertEquals(0.21491599383387472, r2.random());
        assertEquals(0.5043802970418443, new PythonRandom((1L << 40) + 5).random());
        PythonRandom r3 = new PythonRandom(7);
        double[] cum3 = {1, 3, 6};
        got.setLength(0);
        for (int i = 0; i < 40; i++) {
            got.append(r3.choice(cum3));
        }
        assertEquals("1020210201001201222120210012122120012112", got.toString());
    }

    @Test
    void specParsing() {
        MixtureSpec s = MixtureSpec.parse(MixtureSpec.TINYLLAMA);
        assertEquals(List.of("train_slim", "train_star"), s.prefixes());
        assertEquals(List.of(0.693584, 0.306416), s.weights());
        assertEquals(s, MixtureSpec.parse(" train_slim = 0.693584 , train_star=0.306416"));
        for (String[] bad : new String[][] {
            {"", "empty mixture"}, {"a=0.5,", "empty entry"}, {"a", "expected PREFIX=WEIGHT"},
            {"=1", "empty prefix"}, {"a=1,a=2", "given twice"}, {"a=x", "is not a number"},
            {"a=0", "positive"}, {"a=-1", "positive"}, {"a=NaN", "positive"}, {"a=Infinity", "positive"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MixtureSpec.parse(bad[0]));
            assertTrue(e.getMessage().contains(bad[1]), bad[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void noShuffleIsFileOrderBlockByBlock() throws IOException {
        PackedDataset d = PackedDataset.builder().optDirectory(dir, "train_slim").setSeqLen(SEQ).optShuffle(false).build();
        assertEquals(10, d.size());
        long[] block = new long[SEQ + 1];
        for (int i = 0; i < 12; i++) {
            d.readBlock(i, block);
            int f = (i % 10) / 2;
            int b = i % 2;
            long first = f * 100L + b * (SEQ + 1);
            assertArrayEquals(new long[] {first, first + 1, first + 2, first + 3}, block, "position " + i);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Record r = d.get(manager, 3);
            assertEquals(new Shape(SEQ), r.getData().head().getShape());
            assertEquals(DataType.INT64, r.getData().head().getDataType());
            assertArrayEquals(new long[] {104, 105, 106}, r.getData().head().toLongArray());
            assertArrayEquals(new long[] {105, 106, 107}, r.getLabels().head().toLongArray());
        }
        assertThrows(IOException.class, () -> PackedDataset.builder().optDirectory(dir, "nothing").setSeqLen(SEQ).build());
        assertThrows(IOException.class, () -> PackedDataset.builder().optDirectory(dir, "train_slim").setSeqLen(9).build());
    }

    @Test
    void shuffleIsDeterministicPermutationPerPass() throws IOException {
        PackedDataset a = PackedDataset.builder().optDirectory(dir, "").setSeqLen(SEQ).optSeed(5).build();
        PackedDataset b = PackedDataset.builder().optDirectory(dir, "").setSeqLen(SEQ).optSeed(5).build();
        PackedDataset c = PackedDataset.builder().optDirectory(dir, "").setSeqLen(SEQ).optSeed(6).build();
        assertEquals(16, a.blocks());
        List<Long> pass0 = new ArrayList<>();
        List<Long> pass1 = new ArrayList<>();
        List<Long> other = new ArrayList<>();
        long[] block = new long[SEQ + 1];
        long[] block2 = new long[SEQ + 1];
        for (int i = 0; i < 16; i++) {
            a.readBlock(i, block);
            b.readBlock(i, block2);
            assertArrayEquals(block, block2);
            pass0.add(block[0]);
            a.readBlock(16 + i, block);
            pass1.add(block[0]);
            c.readBlock(i, block);
            other.add(block[0]);
        }
        assertEquals(16, new HashSet<>(pass0).size(), "every block once per pass");
        assertEquals(new HashSet<>(pass0), new HashSet<>(pass1));
        assertNotEquals(pass0, pass1, "each pass is shuffled anew");
        assertNotEquals(pass0, other, "the seed matters");
    }

    @Test
    void sharesMatchWeightsWithin4Sigma() throws IOException {
        try (Mixture m = Mixture.open(dir, MixtureSpec.parse(MixtureSpec.TINYLLAMA), SEQ, 3407, true)) {
            int n = 100_000;
            long[] block = new long[SEQ + 1];
            long[] counts = new long[2];
            for (int i = 0; i < n; i++) {
                int s = m.next(block);
                counts[s]++;
                assertEquals(s, block[0] / 10000, "block from the source picked");
            }
            double p = 0.693584;
            double sigma = Math.sqrt(n * p * (1 - p));
            assertTrue(Math.abs(counts[0] - n * p) < 4 * sigma, "slim " + counts[0] + " vs " + n * p + " +- " + 4 * sigma);
            assertEquals(new Mixture.Position(n, counts), m.position());
        }
    }

    @Test
    void resumingGivesTheSameNextBlocks() throws IOException {
        MixtureSpec spec = MixtureSpec.parse(MixtureSpec.TINYLLAMA);
        List<long[]> uninterrupted = new ArrayList<>();
        Mixture.Position saved;
        try (Mixture m = Mixture.open(dir, spec, SEQ, 11, true)) {
            long[] block = new long[SEQ + 1];
            for (int i = 0; i < 37; i++) {
                m.next(block);
            }
            saved = m.position();
            for (int i = 0; i < 50; i++) {
                m.next(block);
                uninterrupted.add(block.clone());
            }
        }
        Mixture.Position restored = Mixture.Position.parse(saved.toString());
        assertEquals(saved, restored);
        try (Mixture m = Mixture.open(dir, spec, SEQ, 11, true)) {
            m.seek(restored);
            assertEquals(saved, m.position());
            long[] block = new long[SEQ + 1];
            for (int i = 0; i < 50; i++) {
                m.next(block);
                assertArrayEquals(uninterrupted.get(i), block, "block " + i + " after resuming");
            }
        }
        try (Mixture other = Mixture.open(dir, spec, SEQ, 12, true)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.seek(restored));
            assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Mixture.Position(3, new long[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Mixture.Position.parse("x"));
    }

    @Test
    void aScheduleRefusesPhasesThatCannotBeSampled() {
        double[] one = {1, 0};
        MixtureSchedule.Phase first = new MixtureSchedule.Phase(0, one, null, 0);
        for (Runnable bad : new Runnable[] {
            () -> new MixtureSchedule.Phase(0, new double[] {0, 0}, null, 0),
            () -> new MixtureSchedule.Phase(0, new double[] {1, -1}, null, 0),
            () -> new MixtureSchedule.Phase(0, one, one, 0),
            () -> new MixtureSchedule.Phase(0, one, null, 5),
            () -> new MixtureSchedule.Phase(0, one, new double[] {1}, 5),
            () -> new MixtureSchedule(List.of(new MixtureSchedule.Phase(3, one, null, 0))),
            () -> new MixtureSchedule(List.of(first, new MixtureSchedule.Phase(0, one, null, 0))),
            () -> new MixtureSchedule(List.of(first, new MixtureSchedule.Phase(9, new double[] {1}, null, 0)))}) {
            assertThrows(IllegalArgumentException.class, bad::run);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mixture.open(dir, List.of("train_slim"), MixtureSchedule.constant(one), SEQ, 1, true));
        assertTrue(e.getMessage().contains("1 prefixes but weights for 2"), e.getMessage());
    }

    @Test
    void withoutSpecAllFilesOneSource() throws IOException {
        try (Mixture m = Mixture.open(dir, null, SEQ, 1, false)) {
            assertEquals(List.of(""), m.names());
            long[] block = new long[SEQ + 1];
            Set<Long> firsts = new HashSet<>();
            List<Long> order = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                m.next(block);
                firsts.add(block[0]);
                order.add(block[0]);
            }
            assertEquals(16, firsts.size());
            assertEquals(List.of(0L, 4L, 100L, 104L), order.subList(0, 4), "file-name order, block by block");
            assertEquals(10000L, order.get(10), "train_slim files sort before train_star");
            try (NDManager manager = NDManager.newBaseManager()) {
                Record r = m.next(manager);
                assertArrayEquals(new long[] {0, 1, 2}, r.getData().head().toLongArray(), "wraps around");
            }
        }
        IOException e = assertThrows(IOException.class, () -> Mixture.open(dir, MixtureSpec.parse("train_none=1"), SEQ, 1, true));
        assertTrue(e.getMessage().contains("train_none"), e.getMessage());
    }
}
