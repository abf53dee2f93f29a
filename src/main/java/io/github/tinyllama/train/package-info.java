/**
 * Training with TinyLlama's recipe: the pre-training loop ({@link io.github.tinyllama.train.Pretrainer},
 * multi-stage {@link io.github.tinyllama.train.PretrainPlan}s) and supervised or LoRA fine-tuning
 * ({@link io.github.tinyllama.train.Finetuner}), sharing one {@link io.github.tinyllama.train.StepLoop},
 * torch-exact AdamW, the warm-up and cosine learning rate, gradient clipping, run checkpoints to resume
 * from, the {@code --metrics} file and its {@link io.github.tinyllama.train.LossPlot}.
 *
 * <p>May import: {@code data}, {@code generate}, {@code weights}, {@code nn}, {@code checkpoint},
 * {@code tokenizer}, {@code config}, {@code util}.
 */
package io.github.tinyllama.train;
