package io.github.tinyllama.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The notebook runner itself: what fails a cell, and what a cell's outputs hold. */
class NotebookKernelTest {

    private static NotebookKernel kernel;

    @BeforeAll
    static void start() throws IOException {
        kernel = newKernel(Path.of("notebooks").toAbsolutePath(), Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        kernel.close();
    }

    private static NotebookKernel newKernel(Path dir, Duration limit) throws IOException {
        return new NotebookKernel(dir, Project.of(Path.of("")), limit);
    }

    @Test
    void printsAndLastValueBecomeOutputs() {
        NotebookKernel.CellRun run = kernel.run("int x = 20;\nSystem.out.println(\"x is \" + x);\nSystem.err.println(\"warn\");\nx + 1");
        assertNull(run.failure());
        JsonArray outputs = run.outputs();
        assertEquals(3, outputs.size(), outputs.toString());
        assertEquals("x is 20\n", stream(outputs, 0, "stdout"));
        assertEquals("warn\n", stream(outputs, 1, "stderr"));
        JsonObject result = outputs.get(2).getAsJsonObject();
        assertEquals("execute_result", result.get("output_type").getAsString());
        assertEquals("21", result.getAsJsonObject("data").get("text/plain").getAsString());
        assertEquals(run.executionCount(), result.get("execution_count").getAsInt());
    }

    @Test
    void aDeclarationShowsNoValue() {
        NotebookKernel.CellRun run = kernel.run("String s = \"quiet\";");
        assertNull(run.failure());
        assertEquals(0, run.outputs().size(), run.outputs().toString());
    }

    @Test
    void displayedImagesArePngAndTextKeepsItsPlace() throws IOException {
        NotebookKernel.CellRun run = kernel.run("System.out.println(\"before\");\n"
                + "display(new java.awt.image.BufferedImage(7, 5, java.awt.image.BufferedImage.TYPE_INT_RGB));\n"
                + "display(\"<b>bold</b>\", \"text/html\");\n"
                + "System.out.println(\"after\");");
        assertNull(run.failure());
        JsonArray outputs = run.outputs();
        assertEquals(4, outputs.size(), outputs.toString());
        assertEquals("before\n", stream(outputs, 0, "stdout"));
        JsonObject image = outputs.get(1).getAsJsonObject();
        assertEquals("display_data", image.get("output_type").getAsString());
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode(image.getAsJsonObject("data").get("image/png").getAsString())));
        assertEquals(7, png.getWidth());
        assertEquals(5, png.getHeight());
        assertEquals("<b>bold</b>", outputs.get(2).getAsJsonObject().getAsJsonObject("data").get("text/html").getAsString());
        assertEquals("after\n", stream(outputs, 3, "stdout"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "compile error     | int y = \"text\";                    | compile error: line 1: incompatible types",
        "exception         | Object o = null;\\no.hashCode();     | line 2: java.lang.NullPointerException",
        "thrown            | throw new IllegalStateException(\"boom\"); | java.lang.IllegalStateException: boom",
        "incomplete        | for (int i = 0; i < 2; i++) {        | line 1: incomplete code",
        "unknown magic     | %load other.jsh                      | line 1: unknown magic %load",
        "cell magic        | %%time\\nint z = 1;                  | unknown cell magic %%time",
        "test classes      | org.junit.jupiter.api.Assertions.fail(\"x\"); | compile error",
        "missing jar       | %jars no-such-dir/*.jar              | matches no file",
        "foreign artifact  | %maven org.example:nothing:1.0       | CI resolves nothing else"})
    void failuresNameTheLineAndTheCause(String what, String source, String message) {
        NotebookKernel.CellRun run = kernel.run(source.replace("\\n", "\n"));
        assertTrue(run.failed(), what + " should fail");
        assertTrue(run.failure().contains(message), run.failure());
        JsonObject last = run.outputs().get(run.outputs().size() - 1).getAsJsonObject();
        assertEquals("error", last.get("output_type").getAsString());
    }

    @Test
    void aCellOverItsLimitIsStopped() throws IOException {
        try (NotebookKernel quick = newKernel(Path.of("notebooks").toAbsolutePath(), Duration.ofSeconds(1))) {
            long start = System.nanoTime();
            NotebookKernel.CellRun run = quick.run("System.out.println(\"started\");\nThread.sleep(60_000);");
            assertTrue(run.failed());
            assertTrue(run.failure().contains("time limit of 1 s"), run.failure());
            assertTrue((System.nanoTime() - start) / 1e9 < 30, "the cell was stopped, not waited for");
            assertEquals("started\n", Outputs.printedText(run.outputs()));
            assertNull(quick.run("int after = 1;").failure(), "the kernel runs cells after a stopped one");
        }
    }

    @Test
    void mavenOfTheProjectAddsTheBuildAndOnlyAtItsVersion(@TempDir Path dir) throws IOException {
        Project project = Project.of(Path.of(""));
        try (NotebookKernel fresh = newKernel(dir, Duration.ofSeconds(60))) {
            String use = "io.github.tinyllama.config.LlamaConfig.tiny().hiddenSize()";
            assertTrue(fresh.run(use).failed(), "project classes are not there before %maven");
            NotebookKernel.CellRun wrong = fresh.run("%maven " + project.groupId() + ":" + project.artifactId() + ":0.0.1");
            assertTrue(wrong.failure().contains("asks for version 0.0.1 but the project is " + project.version()),
                    wrong.failure());
            NotebookKernel.CellRun added = fresh.run("%maven " + project.coordinates() + "\n" + use);
            assertNull(added.failure());
            assertEquals("64", added.outputs().get(0).getAsJsonObject().getAsJsonObject("data").get("text/plain").getAsString());
            assertNull(fresh.run("%maven com.google.code.gson:gson:" + gsonVersion(project)
                    + "\nnew com.google.gson.JsonObject();").failure(), "a dependency by its coordinates");
        }
    }

    @Test
    void classpathMagicResolvesGlobsAgainstTheNotebooksFolder(@TempDir Path dir) throws IOException {
        Path classes = Path.of("target", "classes").toAbsolutePath();
        Files.createSymbolicLink(dir.resolve("build"), classes);
        try (NotebookKernel fresh = newKernel(dir, Duration.ofSeconds(60))) {
            NotebookKernel.CellRun run = fresh.run("%classpath build\nio.github.tinyllama.config.LlamaConfig.FILE_NAME");
            assertNull(run.failure());
            assertEquals("config.json", run.outputs().get(0).getAsJsonObject().getAsJsonObject("data")
                    .get("text/plain").getAsString());
        }
    }

    @Test
    void carriageReturnsRedrawTheLine() {
        assertEquals("done 100%\nnext\n", Terminal.render("step 10%\rstep 50%\rdone 100%\r\nnext\n"));
        assertEquals("abcd\n", Terminal.render("xy\rabcd\n"));
        assertEquals("abcd\n", Terminal.render("abcd\rab\r\rabcd\n"));
    }

    @Test
    void aWrittenNotebookReadsBackWithItsOutputs(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("n.ipynb");
        Files.writeString(file, "{\"cells\":[{\"cell_type\":\"markdown\",\"metadata\":{},\"source\":[\"# T\"]},"
                + "{\"cell_type\":\"code\",\"execution_count\":null,\"metadata\":{\"tags\":[\"parameters\"]},"
                + "\"outputs\":[],\"source\":[\"int n = 1;\\n\",\"n\"]}],"
                + "\"metadata\":{\"kernelspec\":{\"name\":\"java\",\"language\":\"java\",\"display_name\":\"Java\"},"
                + "\"tinyllama\":{\"ci_parameters\":\"n = 2;\"}},\"nbformat\":4,\"nbformat_minor\":5}");
        Notebook notebook = Notebook.read(file);
        assertEquals("java", notebook.kernelName());
        assertEquals("n = 2;", notebook.ciParameters());
        Notebook.Cell cell = notebook.codeCells().get(0);
        assertTrue(cell.hasTag("parameters"));
        assertEquals("int n = 1;\nn", cell.source());
        NotebookKernel.CellRun run = kernel.run(cell.source());
        cell.setOutputs(run.outputs(), run.executionCount());
        notebook.write();
        Notebook.Cell again = Notebook.read(file).codeCells().get(0);
        assertEquals("int n = 1;\nn", again.source());
        String text = Files.readString(file);
        assertTrue(text.contains("\"execution_count\": " + run.executionCount()), text);
        assertTrue(text.contains("\"text/plain\": [\n       \"1\"\n      ]"), text);
        assertFalse(text.contains("\\u003c"), "no HTML escaping");
    }

    private static String gsonVersion(Project project) {
        return project.dependencies().stream().map(Path::toString).filter(p -> p.contains("/com/google/code/gson/gson/"))
                .map(p -> p.replaceAll(".*/gson-(.*)\\.jar", "$1")).findFirst().orElseThrow();
    }

    private static String stream(JsonArray outputs, int index, String name) {
        JsonObject o = outputs.get(index).getAsJsonObject();
        assertEquals("stream", o.get("output_type").getAsString(), o.toString());
        assertEquals(name, o.get("name").getAsString());
        return o.get("text").getAsString();
    }
}
