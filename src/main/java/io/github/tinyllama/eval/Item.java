package io.github.tinyllama.eval;

import java.util.List;

/**
 * One multiple-choice question: a request per choice and the index of the right one.
 *
 * @param task the task it belongs to ({@code hellaswag}, {@code mmlu_anatomy}, ...)
 * @param docId its index among the task's evaluated records
 * @param requests one request per choice, in choice order
 * @param gold the index of the right choice
 * @param choices the choices as the harness lists them, whose character lengths normalise {@code acc_norm}
 */
public record Item(String task, int docId, List<Request> requests, int gold, List<String> choices) {

    public Item {
        requests = List.copyOf(requests);
        choices = List.copyOf(choices);
        if (requests.size() != choices.size() || gold < 0 || gold >= choices.size()) {
            throw new IllegalArgumentException(task + " doc " + docId + ": " + requests.size() + " requests, "
                    + choices.size() + " choices, gold " + gold);
        }
    }
}
