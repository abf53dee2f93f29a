/**
 * The TinyLlama model zoo: released checkpoints by name through DJL's {@code Criteria}, the
 * translators, and the Hugging Face hub client that fetches their files.
 *
 * <p>{@link io.github.tinyllama.zoo.TinyLlamaModelZoo} lists the catalogue
 * ({@code model-zoo/tinyllama-models.json}); {@code CheckpointFetch} asks the hub's API what a
 * repository holds at a revision, chooses the files a model needs ({@code ModelFiles}) and downloads
 * them into a snapshot of that commit; {@code BundledModel} serves models that ship in the jar.
 * {@link io.github.tinyllama.zoo.HubClient} is the download facade over {@code HubCache} (layout,
 * completion records, locks), {@code HubTransport} (HTTP, redirects, status answers) and one
 * {@code Download} per call: resumed, checked against the hub's sha256 and moved into place
 * atomically, so that a file under its final name is always complete. Every file name that comes
 * from outside passes {@link io.github.tinyllama.util.RepoPaths} before any request or write.
 *
 * <p>May import: {@code generate}, {@code weights}, {@code nn}, {@code checkpoint}, {@code tokenizer}, {@code config},
 * {@code util}.
 */
package io.github.tinyllama.zoo;
