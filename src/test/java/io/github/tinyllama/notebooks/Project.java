package io.github.tinyllama.notebooks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The project as {@code %maven} sees it in CI: the library's coordinates (from {@code core/pom.xml}) resolve to the
 * local build, {@code target/classes} plus the runtime dependencies Maven lists in
 * {@code target/runtime-classpath.txt} (written by the build's {@code dependency:build-classpath}).
 *
 * @param groupId the project's group id
 * @param artifactId its artifact id
 * @param version its version
 * @param classes its compiled classes
 * @param dependencies its runtime dependency jars
 */
record Project(String groupId, String artifactId, String version, Path classes, List<Path> dependencies) {

    static final String CLASSPATH_FILE = "runtime-classpath.txt";

    /** Reads the project rooted at {@code root} after Maven has compiled it. */
    static Project of(Path root) throws IOException {
        Path pom = root.resolve("core").resolve("pom.xml");
        Element project;
        try {
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
            project = doc.getDocumentElement();
        } catch (Exception e) {
            throw new IOException(pom + ": cannot read: " + e.getMessage(), e);
        }
        Path listing = root.resolve("target").resolve(CLASSPATH_FILE);
        if (!Files.isRegularFile(listing)) {
            throw new IOException(listing + " is missing: run the notebooks through Maven (mvn test), whose"
                    + " generate-test-resources phase writes it");
        }
        List<Path> jars = new ArrayList<>();
        for (String entry : Files.readString(listing, StandardCharsets.UTF_8).trim().split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                jars.add(Path.of(entry.trim()));
            }
        }
        return new Project(child(project, "groupId", pom), child(project, "artifactId", pom),
                child(project, "version", pom), root.resolve("target").resolve("classes"), List.copyOf(jars));
    }

    /** {@code group:artifact:version}. */
    String coordinates() {
        return groupId + ":" + artifactId + ":" + version;
    }

    /** The classes and every runtime dependency, as {@code %maven} of the project's coordinates adds them. */
    List<Path> classpath() {
        List<Path> all = new ArrayList<>();
        all.add(classes);
        all.addAll(dependencies);
        return all;
    }

    /**
     * The jar of a dependency given by coordinates ({@code group:artifact:version}, or with
     * extension and classifier {@code group:artifact:ext:classifier:version}), if the project has it.
     */
    java.util.Optional<Path> dependency(String group, String artifact, String version, String classifier) {
        String dir = group.replace('.', '/') + "/" + artifact + "/" + version + "/";
        String name = artifact + "-" + version + (classifier.isEmpty() ? "" : "-" + classifier) + ".jar";
        return dependencies.stream()
                .filter(p -> p.toString().replace('\\', '/').endsWith(dir + name))
                .findFirst();
    }

    private static String child(Element project, String name, Path pom) throws IOException {
        for (Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && ((Element) n).getTagName().equals(name)) {
                return n.getTextContent().trim();
            }
        }
        throw new IOException(pom + ": no <" + name + "> under <project>");
    }
}
