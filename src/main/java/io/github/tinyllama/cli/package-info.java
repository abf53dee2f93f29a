/**
 * The {@code tinyllama} command line: one picocli command per verb, thin (parse the options, call the
 * packages below, print). Usage errors exit with 2, failed jobs with 1, each with a one-line message.
 *
 * <p>May import: every package of this project; none imports it.
 */
package io.github.tinyllama.cli;
