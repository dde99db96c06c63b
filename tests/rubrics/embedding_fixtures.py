"""A small rubric and answers written for the embedding scorer's tests (our own text)."""

from __future__ import annotations

from rubrics.content import parse_content

BACKPROP = parse_content(
    {
        "title": "Explain how backpropagation trains a neural network.",
        "reference_answer": (
            "Training minimises a loss function that measures how wrong the network's predictions are. "
            "The forward pass computes the activations of every layer and the loss. "
            "Backpropagation applies the chain rule backwards from the loss to compute the gradient "
            "of the loss with respect to every weight, reusing the gradients of later layers. "
            "Gradient descent then updates each weight a small step against its gradient, scaled by "
            "the learning rate. Vanishing or exploding gradients make deep networks hard to train, "
            "which residual connections, normalisation and careful initialisation mitigate."
        ),
        "criteria": [
            {
                "key": "correctness",
                "title": "Technical correctness",
                "weight": 2,
                "levels": {
                    1: {
                        "descriptor": "No evidence, or wrong.",
                        "exemplars": [
                            "Backpropagation sends the input data backwards through the network."
                        ],
                    },
                    2: {
                        "descriptor": "Mentions gradients but not how they are computed.",
                        "exemplars": [
                            "The network adjusts its weights using gradients to reduce the error."
                        ],
                    },
                    3: {
                        "descriptor": "Chain rule, gradients per weight, gradient descent update.",
                        "exemplars": [
                            "The chain rule gives the gradient of the loss for each weight, layer by "
                            "layer from the output, and gradient descent updates the weights."
                        ],
                    },
                    4: {
                        "descriptor": "All of level 3, plus the pitfalls and their remedies.",
                        "exemplars": [
                            "The chain rule gives the gradient of the loss for each weight, reusing the "
                            "gradients of later layers, and gradient descent updates the weights with a "
                            "learning rate. Vanishing gradients are eased by residual connections and "
                            "normalisation."
                        ],
                    },
                },
            }
        ],
    }
)

GOOD = (
    "We define a loss that measures how far the predictions are from the targets. In the forward "
    "pass the network computes each layer's activations and then the loss. Backpropagation then "
    "uses the chain rule, going backwards from the loss, to get the gradient of the loss with respect "
    "to every weight, and it reuses the gradients already computed for the later layers. With those "
    "gradients, gradient descent moves every weight a small step in the opposite direction, scaled "
    "by the learning rate. In deep networks gradients can vanish or explode, so we use residual "
    "connections, batch normalisation and good initialisation."
)
PARTIAL = (
    "The network makes a prediction and we measure the error. Then the weights are adjusted a bit "
    "using the gradient so that the error gets smaller next time, and this repeats over many batches."
)
WRONG = (
    "Backpropagation means the training data is fed into the network in reverse order, starting "
    "from the last example, so that the model remembers the newest examples best."
)
WEAK = (
    "I think backpropagation is when the network goes backwards to fix its mistakes, and after a "
    "while it becomes better at its job."
)
OFF_TOPIC = (
    "For a good risotto, toast the rice in butter, add warm stock one ladle at a time, and stir "
    "patiently until it is creamy. Finish with parmesan and a squeeze of lemon."
)
