"""Survivors judged equivalent: {assignment: {why no correct test can tell them from the reference: ids}}.

A generated mutant that keeps full marks and is not listed here fails the kit's tests: write the
hidden test that catches it or, if none can within the contract (docs/assignments.md), list it
here with the reason. `autograder mutate` grades the listed ones too and says if one is killed.
"""
# Accepting numpy and torch scalars where a contract says float is a grading rule (a careful human
# does); the generated mutants that drop an `.item()` are then right by that rule.
SCALAR_AS_FLOAT = ("a 0-d tensor where the contract says float: graded as the number it holds, as numpy "
                   "and torch scalars are (README, partial credit and tolerances)")

EQUIVALENT = {
    "forward": {
        "Wh is (H, H): its two dimensions are the same number": (
            "rnn_forward: h = np.zeros((N, T, Wh.shape[0])) -> h = np.zeros((N, T, Wh.shape[1]))",
        ),
    },
    "memory": {
        "an unknown dtype or optimizer is outside the contract, and the lookup raises KeyError without the check": (
            "dtype_bytes: if name not in sizes: ... -> (removed)",
            'dtype_bytes: raise ValueError(f"unknown dtype {dtype!r}; expected one of {sorted(sizes)}") -> pass',
            "training_state_bytes: if optimizer not in buffers: ... -> (removed)",
            'training_state_bytes: raise ValueError(f"unknown optimizer {optimizer!r}; expected one of '
            '{sorted(buffers)}") -> pass',
        ),
        "// of two ints is an int, and int(a / b) == a // b for budgets below 2**53 bytes (8 PiB)": (
            "max_seq_len: return int(budget_bytes // per_step) -> return (budget_bytes // per_step)",
            "max_seq_len: return int(budget_bytes // per_step) -> return int(budget_bytes / per_step)",
        ),
        "value /= base makes the value a float before it is formatted, whatever n was": (
            "format_bytes: value, unit = float(n), 0 -> value, unit = n, 0",
        ),
    },
    "clipping": {
        SCALAR_AS_FLOAT: (
            "train_step: return loss.item(), float(total_norm) -> return loss, float(total_norm)",
            "train_step: return loss.item(), float(total_norm) -> return loss.item(), total_norm",
        ),
        "a single tensor for `parameters`: torch accepts one, the contract does not ask for it (lists only)": (
            "clip_grad_norm: if isinstance(parameters, torch.Tensor): ... -> (removed)",
            "clip_grad_norm: parameters = [parameters] -> pass",
            "clip_grad_value: if isinstance(parameters, torch.Tensor): ... -> (removed)",
            "clip_grad_value: parameters = [parameters] -> pass",
        ),
        "vector_norm takes an int order as well as a float; float() changes only how an error message prints it": (
            "clip_grad_norm: norm_type = float(norm_type) -> (removed)",
            "clip_grad_norm: norm_type = float(norm_type) -> norm_type = norm_type",
        ),
        "autograd.grad writes no .grad and returns dx without a graph: detaching or cloning x, or detaching dx, "
        "changes no value": (
            "gradient_through_time: x = x.detach().clone().requires_grad_(True) -> "
            "x = x.detach().requires_grad_(True)",
            "gradient_through_time: x = x.detach().clone().requires_grad_(True) -> "
            "x = x.clone().requires_grad_(True)",
            "gradient_through_time: return torch.linalg.vector_norm(dx, dim=(0, 2)).detach().numpy() -> "
            "return torch.linalg.vector_norm(dx, dim=(0, 2)).numpy()",
        ),
    },
    "pos_tagger": {
        SCALAR_AS_FLOAT: (
            "accuracy: return correct.sum().item() / real.sum().item() -> return correct.sum() / real.sum().item()",
            "accuracy: return correct.sum().item() / real.sum().item() -> return correct.sum().item() / real.sum()",
            "train_tagger: losses.append(loss.item()) -> losses.append(loss)",
        ),
        "only FORM and UPOS are kept: the line end stays on MISC, the last column, and a blank line is still blank": (
            'read_conllu: line = line.rstrip("\\r\\n") -> (removed)',
            'read_conllu: line = line.rstrip("\\r\\n") -> line = line.lstrip("\\r\\n")',
        ),
        "a line of spaces is not CoNLL-U (a sentence ends with an empty line): the contract does not cover it": (
            "read_conllu: if not line.strip(): -> if not line:",
        ),
        "the contract gives word ids after <pad> and <unk>, and tag ids, in any order": (
            "build_vocab: for word in sorted(counts):  # sorted: the same ids on every run -> "
            "for word in counts:  # sorted: the same ids on every run",
            "build_vocab: tags = sorted({tag for sentence in sentences for _, tag in sentence}) -> "
            "tags = {tag for sentence in sentences for _, tag in sentence}",
        ),
        "torch.full and slicing take a 0-d tensor as a size": (
            "encode_batch: T = int(lengths.max()) -> T = lengths.max()",
            "predict: words = torch.full((len(sentences), int(lengths.max())), word2id[PAD], dtype=torch.long) -> "
            "words = torch.full((len(sentences), lengths.max()), word2id[PAD], dtype=torch.long)",
        ),
        "given a packed sequence, nn.RNN ignores batch_first: the packing fixes the layout": (
            "RNNTagger: self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=True, bidirectional=bidirectional) -> "
            "self.rnn = nn.RNN(embed_dim, hidden_size, batch_first=False, bidirectional=bidirectional)",
        ),
        "grading runs on the CPU, where .cpu() returns the tensor itself": (
            "RNNTagger: packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False) "
            "-> packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)",
        ),
        "RNNTagger has no dropout or batch norm: train and eval modes compute the same": (
            "train_tagger: model.train() -> (removed)",
            "predict: model.eval() -> (removed)",
        ),
        "a list indexed by 0-d tensors gives the same items as by ints": (
            "train_tagger: order = torch.randperm(len(train_sentences)).tolist() -> "
            "order = torch.randperm(len(train_sentences))",
        ),
    },
    "birnn": {
        "pack_padded_sequence and reverse_padded take the lengths as given (N ints, a list or a CPU tensor)": (
            "BiRNN: lengths = torch.as_tensor(lengths, dtype=torch.long).cpu() -> (removed)",
            "BiRNN: lengths = torch.as_tensor(lengths, dtype=torch.long).cpu() -> "
            "lengths = torch.as_tensor(lengths, dtype=torch.long)",
        ),
    },
    "char_lm": {
        SCALAR_AS_FLOAT: (
            'bits_per_char: total_nats += F.cross_entropy(logits[0], y, reduction="sum").item() -> '
            'total_nats += F.cross_entropy(logits[0], y, reduction="sum")',
        ),
        "an empty prefix is outside the contract, and nn.RNN raises on the empty sequence without the check": (
            "sample: if not prefix: ... -> (removed)",
            'sample: raise ValueError("sample needs a non-empty prefix to start from") -> pass',
        ),
    },
}
