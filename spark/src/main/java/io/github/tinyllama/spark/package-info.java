/**
 * Evaluation, scoring and generation as Apache Spark jobs: the {@code tinyllama-spark} command
 * ({@link io.github.tinyllama.spark.SparkMain}), the {@code Dataset<Row>} API
 * ({@link io.github.tinyllama.spark.TinyLlamaSpark}, {@link io.github.tinyllama.spark.SparkEvaluation}) and the
 * per-executor model holder ({@link io.github.tinyllama.spark.ExecutorModels}). Spark schedules, retries and moves
 * the data; the work on each partition is the library's own.
 */
package io.github.tinyllama.spark;
