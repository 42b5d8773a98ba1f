"""Assignment 6, birnn: a bidirectional RNN built from two unidirectional ones."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def reverse_padded(x, lengths):
    """Reverse each sequence x[i, :lengths[i]] in time; the padding after it stays where it is.

    x: (N, T, ...) batch first; lengths: N ints (list or LongTensor), each in 1..T.
    Returns a new tensor of x's shape. Does not change x.
    """
    N, T = x.shape[0], x.shape[1]
    lengths = torch.as_tensor(lengths, dtype=torch.long, device=x.device).view(N, 1)
    t = torch.arange(T, device=x.device).view(1, T)
    # Step t of a real sequence reads step length - 1 - t; a pad step reads itself.
    source = torch.where(t < lengths, lengths - 1 - t, t)
    index = source.view(N, T, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(1, index)


class BiRNN(nn.Module):
    """nn.RNN(bidirectional=True) rebuilt from two one-way nn.RNNs, on padded batches."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.fwd = nn.RNN(input_size, hidden_size, batch_first=True)
        self.bwd = nn.RNN(input_size, hidden_size, batch_first=True)

    def forward(self, x, lengths):
        """x (N, T, D), lengths N ints -> output (N, T, 2H), h_n (2, N, H).

        output[:, t] is [forward state at t, backward state at t]; padding steps are zero.
        h_n[0] is the forward state after each sequence's last real step, h_n[1] the
        backward state after it has read back to step 0.
        """
        T = x.shape[1]
        lengths = torch.as_tensor(lengths, dtype=torch.long).cpu()

        def run(rnn, inputs):
            # Packing stops each sequence at its own length: no pad ever enters the state.
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, h_n = rnn(packed)
            output, _ = pad_packed_sequence(output, batch_first=True, total_length=T)
            return output, h_n

        out_fwd, h_fwd = run(self.fwd, x)
        # The backward RNN reads each sequence from its last real step, so reverse within the
        # length (torch.flip would feed it the pads first), then put its outputs back in order.
        out_bwd, h_bwd = run(self.bwd, reverse_padded(x, lengths))
        out_bwd = reverse_padded(out_bwd, lengths)
        return torch.cat([out_fwd, out_bwd], dim=2), torch.cat([h_fwd, h_bwd], dim=0)
