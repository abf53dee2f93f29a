/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Derives an ordered BPE merge list from SentencePiece pieces, the way HF's
 * {@code SentencePieceExtractor} does.
 *
 * <p>SentencePiece BPE stores no merges: at encode time it joins the adjacent pair whose joined
 * string is the highest-scoring piece. HF BPE instead applies the lowest-ranked merge, so every way
 * of splitting a piece into two pieces becomes a merge, ranked by the joined piece's score.
 */
final class BpeMerges {

    /** One merge: {@code left + right} joins to a piece with {@code score}. */
    record Merge(String left, String right, float score) {}

    private BpeMerges() {}

    /**
     * Builds the merges.
     *
     * @param pieces piece texts in id order
     * @param scores piece scores in id order
     * @param ids piece text to id
     * @return merges, best first
     */
    static List<Merge> derive(List<String> pieces, float[] scores, Map<String, Integer> ids) {
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            String piece = pieces.get(id);
            List<Merge> local = new ArrayList<>();
            // Split at code points, not chars: a split inside a surrogate pair is no piece.
            for (int cut = piece.offsetByCodePoints(0, 1); cut < piece.length();
                    cut = piece.offsetByCodePoints(cut, 1)) {
                String left = piece.substring(0, cut);
                String right = piece.substring(cut);
                if (ids.containsKey(left) && ids.containsKey(right)) {
                    local.add(new Merge(left, right, scores[id]));
                }
            }
            local.sort(Comparator.comparingInt((Merge m) -> ids.get(m.left()))
                    .thenComparingInt(m -> ids.get(m.right())));
            merges.addAll(local);
        }
        // Stable sort: equal scores keep piece order, then the (left id, right id) order above.
        // Compared with < and > rather than Float.compare so that -0.0 ties with 0.0, as in Python.
        merges.sort((a, b) -> a.score() > b.score() ? -1 : a.score() < b.score() ? 1 : 0);
        return merges;
    }
}
