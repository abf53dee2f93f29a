package io.github.tinyllama.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Requests built from the fixture records, checked against contexts and continuations derived by hand. */
class RequestBuildingTest {

    @TempDir
    Path tmp;

    private static List<Item> items(Task task) throws IOException {
        return Evaluator.plan(List.of(task), EvalFixtures.dataDir(), 0).items();
    }

    private static void assertRequests(Item item, String context, int gold, String... continuations) {
        assertEquals(continuations.length, item.requests().size());
        for (int i = 0; i < continuations.length; i++) {
            assertEquals(context, item.requests().get(i).context(), item.task() + " " + item.docId());
            assertEquals(continuations[i], item.requests().get(i).continuation(), item.task() + " " + item.docId());
        }
        assertEquals(gold, item.gold());
    }

    @Test
    void hellaswagPreprocessesContextAndEndings() throws IOException {
        List<Item> items = items(Task.HELLASWAG);
        assertEquals(3, items.size());
        assertRequests(items.get(0), "Roof shingle removal: A man is sitting on a roof. He", 3,
                " is using wrap to wrap a pair of skis.", " is ripping level tiles off.",
                " is holding a rubik's cube.", " starts pulling up roofing on a roof.");
        // ctx_b capitalised as Python does (rest lower-cased); " [title]" -> ". "; brackets dropped; "  " -> " ".
        assertRequests(items.get(1), "Home and Garden: How to grow tomatoes. Pick a sunny spot. Water the plants daily",
                1, " , then add compost.", " every morning before noon.", " with a hose.", "  Stake the stems.");
        assertEquals(" Stake the stems.", items.get(1).choices().get(3));
        // Empty ctx_a: "Cooking: " + "" + " " + "A woman..." has a double space, collapsed once.
        assertRequests(items.get(2), "Cooking: A woman cracks an egg", 0, " into a bowl.", " onto the floor.");
        assertEquals("a. b ", Task.hellaswagPreprocess("  a [title] b [step] "), "strip comes before the bracket removal");
        assertEquals("x  y", Task.hellaswagPreprocess("x    y"), "only one pass of the replacement, as in Python");
    }

    @Test
    void winograndeScoresTheSharedSuffixAfterEachOption() throws IOException {
        List<Item> items = items(Task.WINOGRANDE);
        Item first = items.get(0);
        assertEquals(List.of(
                new Request("Sarah was a much better surgeon than Maria so Sarah", " always got the harder cases."),
                new Request("Sarah was a much better surgeon than Maria so Maria", " always got the harder cases.")),
                first.requests());
        assertEquals(0, first.gold());
        assertEquals(1, items.get(1).gold());
        assertEquals(" is too large.", items.get(1).requests().get(1).continuation());
        assertEquals("The trophy doesn't fit into the brown suitcase because the suitcase",
                items.get(1).requests().get(1).context());
    }

    @Test
    void arcOpenbookqaBoolqPiqaUseTheHarnessTemplates() throws IOException {
        Item arc = items(Task.ARC_EASY).get(1);
        assertRequests(arc, "Question: Which tool is used to measure mass?\nAnswer:", 1,
                " ruler", " balance", " thermometer");
        Item challenge = items(Task.ARC_CHALLENGE).get(1);
        assertEquals(5, challenge.requests().size());
        assertEquals(1, challenge.gold());
        Item obqa = items(Task.OPENBOOKQA).get(1);
        assertEquals("When standing miles away from Mount Rushmore", obqa.requests().get(0).context());
        assertEquals(3, obqa.gold(), "answerKey ' D' is lstripped");
        Item boolq = items(Task.BOOLQ).get(0);
        assertRequests(boolq, "Persian language -- Persian is a Western Iranian language.\n"
                + "Question: do iran and afghanistan speak the same language?\nAnswer:", 1, " no", " yes");
        Item piqa = items(Task.PIQA).get(1);
        assertRequests(piqa, "Question: To make a hard boiled egg\nAnswer:", 0,
                " Boil it for ten minutes.", " Boil it for ten seconds.");
    }

    @Test
    void mmluIsFiveShotPerSubjectWithTheDescriptionLine() throws IOException {
        Evaluator.Plan plan = Evaluator.plan(List.of(Task.MMLU), EvalFixtures.dataDir(), 0);
        Map<String, List<Item>> bySubject = plan.items().stream()
                .collect(Collectors.groupingBy(Item::task, Collectors.toList()));
        assertEquals(2, bySubject.get("mmlu_abstract_algebra").size());
        assertEquals(1, bySubject.get("mmlu_college_biology").size());
        Item first = plan.items().get(0);
        assertEquals("mmlu_abstract_algebra", first.task());
        StringBuilder expected = new StringBuilder(
                "The following are multiple choice questions (with answers) about abstract algebra.\n\n");
        String[] letters = {"A", "B", "C", "D", "A"};
        for (int i = 0; i < 5; i++) {
            expected.append("abstract_algebra dev question ").append(i)
                    .append(": which one of the following statements about this topic is true, given everything "
                            + "stated in the lecture notes?\n")
                    .append("A. the first answer ").append(i).append("\nB. the second answer ").append(i)
                    .append("\nC. the third answer ").append(i).append("\nD. the fourth answer ").append(i)
                    .append("\nAnswer: ").append(letters[i]).append("\n\n");
        }
        expected.append("Find the degree of the field extension Q(sqrt(2)) over Q.\nA. 0\nB. 2\nC. 4\nD. 6\nAnswer:");
        assertRequests(first, expected.toString(), 1, " A", " B", " C", " D");
        assertEquals(List.of("A", "B", "C", "D"), first.choices());
        assertEquals(1, Evaluator.plan(List.of(Task.MMLU), EvalFixtures.dataDir(), 1).items().stream()
                .filter(i -> i.task().equals("mmlu_abstract_algebra")).count(), "--limit applies per subject");
    }

    @Test
    void trailingWhitespaceOfTheContextMovesToTheContinuation() {
        assertEquals(new Request("Answer:", " \n yes"), RequestEncoder.moveWhitespace(new Request("Answer: \n", " yes")));
        assertEquals(new Request("Answer:", " yes"), RequestEncoder.moveWhitespace(new Request("Answer:", " yes")));
        assertEquals(new Request("", "  x"), RequestEncoder.moveWhitespace(new Request("  ", "x")));
    }

    @Test
    void missingAndMalformedFilesNameTheirPathAndLine() throws IOException {
        DataException missing = assertThrows(DataException.class,
                () -> Evaluator.plan(List.of(Task.PIQA), tmp, 0));
        assertTrue(missing.getMessage().startsWith(tmp.resolve("piqa").resolve("validation.parquet") + ": missing"),
                missing.getMessage());
        assertTrue(missing.getMessage().contains(tmp.resolve("piqa").resolve("validation.jsonl").toString())
                && missing.getMessage().contains("datasets/baber/piqa"), missing.getMessage());

        Path piqa = Files.createDirectories(tmp.resolve("piqa")).resolve("validation.jsonl");
        Files.writeString(piqa, "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 0}\n\n{\"goal\": \"g\",\n");
        DataException badJson = assertThrows(DataException.class, () -> Evaluator.plan(List.of(Task.PIQA), tmp, 0));
        assertTrue(badJson.getMessage().startsWith(piqa + ":3: not valid JSON"), badJson.getMessage());
        assertEquals(3, badJson.line());

        Files.writeString(piqa, "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 0}\n"
                + "{\"goal\": \"g\", \"sol1\": \"a\", \"label\": 1}\n");
        DataException noField = assertThrows(DataException.class, () -> Evaluator.plan(List.of(Task.PIQA), tmp, 0));
        assertEquals(piqa + ":2: field 'sol2' is missing", noField.getMessage());

        Files.writeString(piqa, "[1, 2]\n");
        assertTrue(assertThrows(DataException.class, () -> Evaluator.plan(List.of(Task.PIQA), tmp, 0))
                .getMessage().startsWith(piqa + ":1: expected a JSON object"));

        Files.writeString(piqa, "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 2}\n");
        assertEquals(piqa + ":1: field 'label' is 2; expected 0 to 1",
                assertThrows(DataException.class, () -> Evaluator.plan(List.of(Task.PIQA), tmp, 0)).getMessage());

        Path wino = Files.createDirectories(tmp.resolve("winogrande")).resolve("validation.jsonl");
        Files.writeString(wino, "{\"sentence\": \"no blank\", \"option1\": \"a\", \"option2\": \"b\", \"answer\": \"1\"}\n");
        assertTrue(assertThrows(DataException.class, () -> Evaluator.plan(List.of(Task.WINOGRANDE), tmp, 0))
                .getMessage().startsWith(wino + ":1: field 'sentence' has no '_' blank"));

        Path parquet = Files.createDirectories(tmp.resolve("boolq")).resolve("validation.parquet");
        Files.write(parquet, new byte[] {'P', 'A', 'R', '1'});
        String message = assertThrows(IOException.class, () -> Evaluator.plan(List.of(Task.BOOLQ), tmp, 0))
                .getMessage();
        assertEquals(parquet + ": not a Parquet file (too short)", message);
    }

    @Test
    void unknownTaskListsTheKnownOnes() {
        String message = assertThrows(IllegalArgumentException.class, () -> Task.byId("lambada")).getMessage();
        assertTrue(message.contains("hellaswag") && message.contains("mmlu"), message);
        assertEquals(Task.ARC_CHALLENGE, Task.byId("arc_challenge"));
    }

    @Test
    void accAccNormAndStandardErrorsFollowTheHarness() {
        Function<Integer, Item> item = gold -> new Item("t", 0,
                List.of(new Request("c", " a"), new Request("c", " bbbb")), gold, List.of("a", "bbbb"));
        List<Item> items = List.of(item.apply(1), item.apply(0), item.apply(1), item.apply(0));
        List<double[]> lls = List.of(new double[] {-3, -2}, new double[] {-1, -2}, new double[] {-3, -2.5},
                new double[] {-1, -8});
        TaskResult r = TaskResult.of("t", items, lls, true);
        // acc: argmax(lls) = 1, 0, 1, 0: all right -> 1.0, stderr 0.
        // acc_norm: lls / [1, 4] = [-3, -0.5], [-1, -0.5], [-3, -0.625], [-1, -2] -> 1, 1, 1, 0: right, wrong,
        // right, right -> 0.75; sample sd of (1, 0, 1, 1) is 0.5, over sqrt(4): 0.25.
        assertEquals(1.0, r.acc(), 0);
        assertEquals(0.0, r.accStderr(), 0);
        assertEquals(0.75, r.accNorm(), 0);
        assertEquals(0.25, r.accNormStderr(), 1e-12);
        assertEquals(0, TaskResult.argmax(new double[] {1, 1}), "ties go to the first, as numpy");

        TaskResult a = new TaskResult("a", 3, 2.0 / 3, TaskResult.stderr(new double[] {1, 1, 0}), Double.NaN, Double.NaN);
        TaskResult b = new TaskResult("b", 2, 0.5, TaskResult.stderr(new double[] {1, 0}), Double.NaN, Double.NaN);
        TaskResult group = TaskResult.group("g", List.of(a, b));
        assertEquals(3.0 / 5, group.acc(), 1e-12, "weighted by size");
        // pooled_sample_stderr: sqrt(sum((n-1) * se^2 * n) / (N - k) / N)
        double pooled = Math.sqrt(((2 * a.accStderr() * a.accStderr() * 3) + (1 * b.accStderr() * b.accStderr() * 2))
                / (5 - 2) / 5);
        assertEquals(pooled, group.accStderr(), 1e-12);
        assertTrue(Double.isNaN(TaskResult.stderr(new double[] {1})), "one question: no standard error");
    }

    @Test
    void paperNumbersAreFoundByRepositoryDirectoryOrName() {
        assertEquals(59.20, PaperResults.find("TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T").orElseThrow()
                .value("hellaswag").getAsDouble(), 0);
        assertEquals(26.58, PaperResults.find("/models/TinyLlama_v1.1/").orElseThrow().value("mmlu").getAsDouble(), 0);
        assertTrue(PaperResults.find("my-finetune").isEmpty());
    }
}
