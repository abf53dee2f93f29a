package io.github.tinyllama.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tinyllama download}: fetch a released checkpoint into the cache without running it. */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = {"Download a released checkpoint into the cache (nothing is fetched again when it is there),",
            "pinned to the commit its revision points to, and print its directory."})
final class DownloadCommand implements Callable<Integer> {

    @Parameters(paramLabel = "NAME", description = "A released checkpoint's name (see 'tinyllama models').")
    String name;

    @Option(names = "--revision", paramLabel = "REV",
            description = "Branch, tag or commit of the checkpoint's repository. Default: the catalogue's.")
    String revision;

    @Override
    public Integer call() throws Exception {
        Path dir = ModelLoading.download(name, revision);
        System.out.println(dir);
        return 0;
    }
}
