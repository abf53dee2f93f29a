package io.github.tinyllama.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The tasks of TinyLlama's evaluation tables, with lm-evaluation-harness's prompts, splits and
 * preprocessing (its {@code tasks/<name>/*.yaml} and {@code utils.py}).
 *
 * <p>Each task turns one published record into an {@link Item}: a request per choice, with the context
 * the harness renders and the continuation {@code " " + choice} (the default target delimiter).
 * {@link #MMLU} is 5-shot per subject and is built by {@link #mmlu(String, List, Doc, int)}.
 */
public enum Task {
    /** HellaSwag, validation split; acc and acc_norm. */
    HELLASWAG("hellaswag", "HellaSwag", "validation", true),
    /** OpenBookQA (main), test split; acc and acc_norm. */
    OPENBOOKQA("openbookqa", "Obqa", "test", true),
    /** WinoGrande (xl), validation split, partial scoring; acc only. */
    WINOGRANDE("winogrande", "WinoGrande", "validation", false),
    /** ARC-Challenge, test split; acc and acc_norm. */
    ARC_CHALLENGE("arc_challenge", "ARC-c", "test", true),
    /** ARC-Easy, test split; acc and acc_norm. */
    ARC_EASY("arc_easy", "ARC-e", "test", true),
    /** BoolQ (SuperGLUE), validation split; acc only. */
    BOOLQ("boolq", "boolq", "validation", false),
    /** PIQA, validation split; acc and acc_norm. */
    PIQA("piqa", "piqa", "validation", true),
    /** MMLU, 57 subjects, test split with the first five dev records of each subject as shots; acc only. */
    MMLU("mmlu", "MMLU (5-shot)", "test", false);

    /** The commonsense suite of the paper's table, in its column order. */
    public static final List<Task> COMMONSENSE =
            List.of(HELLASWAG, OPENBOOKQA, WINOGRANDE, ARC_CHALLENGE, ARC_EASY, BOOLQ, PIQA);

    /** Shots per MMLU subject. */
    public static final int MMLU_SHOTS = 5;

    private final String id;
    private final String column;
    private final String split;
    private final boolean accNorm;

    Task(String id, String column, String split, boolean accNorm) {
        this.id = id;
        this.column = column;
        this.split = split;
        this.accNorm = accNorm;
    }

    /** The harness's task name, also the data folder's name. */
    public String id() {
        return id;
    }

    /** The column heading of the paper's table. */
    public String column() {
        return column;
    }

    /** The evaluated split. */
    public String split() {
        return split;
    }

    /** Whether the harness reports {@code acc_norm} for the task (winogrande, boolq and mmlu report acc only). */
    public boolean hasAccNorm() {
        return accNorm;
    }

    /**
     * The task named {@code name} as the harness spells it.
     *
     * @throws IllegalArgumentException for an unknown name; the message lists the known ones
     */
    public static Task byId(String name) {
        for (Task t : values()) {
            if (t.id.equals(name.strip().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + name + "'; known: "
                + String.join(", ", Arrays.stream(values()).map(Task::id).toList()));
    }

    /**
     * Builds the item of a zero-shot task's record.
     *
     * @param doc the record, with the published field names
     * @param docId its index among the evaluated records
     * @return the item
     * @throws DataException if a field is missing or malformed
     */
    public Item item(Doc doc, int docId) throws DataException {
        return switch (this) {
            case HELLASWAG -> hellaswag(doc, docId);
            case OPENBOOKQA -> labelled(doc, docId, doc.string("question_stem"), "answerKey", true);
            case WINOGRANDE -> winogrande(doc, docId);
            case ARC_CHALLENGE, ARC_EASY ->
                    labelled(doc, docId, "Question: " + doc.string("question") + "\nAnswer:", "answerKey", false);
            case BOOLQ -> multipleChoice(doc, docId,
                    doc.string("passage") + "\nQuestion: " + doc.string("question") + "?\nAnswer:",
                    List.of("no", "yes"), checkedIndex(doc, doc.booleanAsInt("label"), 2, "label"));
            case PIQA -> multipleChoice(doc, docId, "Question: " + doc.string("goal") + "\nAnswer:",
                    List.of(doc.string("sol1"), doc.string("sol2")), checkedIndex(doc, doc.integer("label"), 2, "label"));
            case MMLU -> throw new IllegalStateException("MMLU items need their subject's shots: use Task.mmlu");
        };
    }

    private Item multipleChoice(Doc doc, int docId, String context, List<String> choices, int gold) {
        List<Request> requests = new ArrayList<>(choices.size());
        for (String choice : choices) {
            requests.add(new Request(context, " " + choice));
        }
        return new Item(id, docId, requests, gold, choices);
    }

    /** OpenBookQA and ARC: {@code choices.text}, gold = {@code choices.label.index(answerKey)}. */
    private Item labelled(Doc doc, int docId, String context, String keyField, boolean lstripKey)
            throws DataException {
        List<String> texts = doc.strings("choices.text");
        List<String> labels = doc.strings("choices.label");
        if (texts.size() != labels.size() || texts.isEmpty()) {
            throw doc.error("choices.text has " + texts.size() + " entries but choices.label has " + labels.size());
        }
        String key = doc.string(keyField);
        if (lstripKey) {
            key = Text.lstrip(key);
        }
        int gold = labels.indexOf(key);
        if (gold < 0) {
            throw doc.error(keyField + " '" + key + "' is not among choices.label " + labels);
        }
        return multipleChoice(doc, docId, context, texts, gold);
    }

    private Item hellaswag(Doc doc, int docId) throws DataException {
        String ctx = doc.string("ctx_a") + " " + Text.capitalize(doc.string("ctx_b"));
        String query = hellaswagPreprocess(doc.string("activity_label") + ": " + ctx);
        List<String> endings = doc.strings("endings");
        List<String> choices = new ArrayList<>(endings.size());
        for (String ending : endings) {
            choices.add(hellaswagPreprocess(ending));
        }
        if (choices.isEmpty()) {
            throw doc.error("field 'endings' is empty");
        }
        return multipleChoice(doc, docId, query, choices, checkedIndex(doc, doc.integer("label"), choices.size(), "label"));
    }

    private static final Pattern BRACKETED = Pattern.compile("\\[.*?\\]");

    /**
     * HellaSwag's text cleanup ({@code tasks/hellaswag/utils.py preprocess}): strip, {@code " [title]"}
     * to {@code ". "}, drop bracketed WikiHow artifacts, then collapse each double space once.
     */
    public static String hellaswagPreprocess(String text) {
        String t = Text.strip(text);
        t = t.replace(" [title]", ". ");
        t = BRACKETED.matcher(t).replaceAll("");
        return t.replace("  ", " ");
    }

    /**
     * WinoGrande's partial scoring: the context is the sentence up to the blank with an option in it,
     * and every choice scores the same continuation, the rest of the sentence after the blank.
     */
    private Item winogrande(Doc doc, int docId) throws DataException {
        String sentence = doc.string("sentence");
        int blank = sentence.indexOf('_');
        if (blank < 0) {
            throw doc.error("field 'sentence' has no '_' blank: " + sentence);
        }
        String answer = doc.string("answer");
        int gold = switch (answer) {
            case "1" -> 0;
            case "2" -> 1;
            default -> throw doc.error("field 'answer' must be \"1\" or \"2\", not \"" + answer + "\"");
        };
        String suffix = " " + Text.strip(sentence.substring(blank + 1));
        List<String> contexts = List.of(sentence.substring(0, blank) + doc.string("option1"),
                sentence.substring(0, blank) + doc.string("option2"));
        List<Request> requests = List.of(new Request(contexts.get(0), suffix), new Request(contexts.get(1), suffix));
        return new Item(id, docId, requests, gold, contexts);
    }

    /** MMLU's description line for a subject: underscores become spaces. */
    public static String mmluDescription(String subject) {
        return "The following are multiple choice questions (with answers) about " + subject.replace('_', ' ') + ".\n\n";
    }

    private static final List<String> LETTERS = List.of("A", "B", "C", "D");

    /** MMLU's question text: {@code question.strip()}, the four lettered choices and {@code "Answer:"}. */
    static String mmluQuestion(Doc doc) throws DataException {
        List<String> choices = doc.strings("choices");
        if (choices.size() != 4) {
            throw doc.error("field 'choices' must hold 4 strings, not " + choices.size());
        }
        StringBuilder s = new StringBuilder(Text.strip(doc.string("question")));
        for (int i = 0; i < 4; i++) {
            s.append('\n').append(LETTERS.get(i)).append(". ").append(choices.get(i));
        }
        return s.append("\nAnswer:").toString();
    }

    /**
     * Builds a 5-shot MMLU item: the subject's description line, each shot as
     * {@code question + " " + letter + "\n\n"}, then the question; choices {@code " A"} to {@code " D"}.
     *
     * @param subject the subject, as in the records' {@code subject} field ({@code high_school_physics})
     * @param shots the subject's first {@link #MMLU_SHOTS} dev records
     * @param doc the test record
     * @param docId its index among the subject's evaluated records
     * @return the item, of task {@code mmlu_<subject>}
     * @throws DataException if a field is missing or malformed
     */
    public static Item mmlu(String subject, List<Doc> shots, Doc doc, int docId) throws DataException {
        StringBuilder context = new StringBuilder(mmluDescription(subject));
        for (Doc shot : shots) {
            context.append(mmluQuestion(shot)).append(' ')
                    .append(LETTERS.get(checkedIndex(shot, shot.integer("answer"), 4, "answer"))).append("\n\n");
        }
        context.append(mmluQuestion(doc));
        int gold = checkedIndex(doc, doc.integer("answer"), 4, "answer");
        List<Request> requests = new ArrayList<>(4);
        for (String letter : LETTERS) {
            requests.add(new Request(context.toString(), " " + letter));
        }
        return new Item("mmlu_" + subject, docId, requests, gold, LETTERS);
    }

    private static int checkedIndex(Doc doc, int value, int count, String field) throws DataException {
        if (value < 0 || value >= count) {
            throw doc.error("field '" + field + "' is " + value + "; expected 0 to " + (count - 1));
        }
        return value;
    }
}
