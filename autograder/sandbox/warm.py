"""What a warm process imports and runs once, so that no submission pays for it.

torch imports parts of itself lazily: the first optimizer step loads torch._dynamo (about
800 modules, a second here). A process that forks a child per submission, or grades many
submissions, does it once, before the first.
"""


def warm_torch(train=True):
    """Import torch on one thread (parallelism is across submissions); with `train`, also run
    a tiny training step, for the lazy imports behind it."""
    import numpy  # noqa: F401
    import torch
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence

    torch.set_num_threads(1)
    if not train:
        return
    embedding, rnn = torch.nn.Embedding(5, 3), torch.nn.RNN(3, 4, batch_first=True)
    packed = pack_padded_sequence(embedding(torch.tensor([[1, 2], [3, 0]])), [2, 1], batch_first=True)
    _, h_n = rnn(packed)
    F.cross_entropy(h_n[0], torch.tensor([0, 1])).backward()
    parameters = [*embedding.parameters(), *rnn.parameters()]
    torch.nn.utils.clip_grad_norm_(parameters, 1.0)
    for optimizer in (torch.optim.Adam(parameters, lr=1e-3), torch.optim.SGD(parameters, lr=0.1, momentum=0.9)):
        optimizer.step()
        optimizer.zero_grad()
