"""The lesson 07 exercise checks accept the right answers and refuse wrong ones with a hint."""
from course_lib.exercises import lesson07


def test_f1_is_the_harmonic_mean_of_precision_and_recall():
    # 5 TP, 2 FP, 0 FN: precision 5/7, recall 1, F1 = 2*5 / (2*5 + 2 + 0) = 10/12
    assert lesson07.check_f1(10 / 12, 5, 2, 0)
    as_precision = lesson07.check_f1(5 / 7, 5, 2, 0)
    assert not as_precision and "recall" in as_precision.hint
    assert not lesson07.check_f1((5 / 7 + 1) / 2, 5, 2, 0)
    assert not lesson07.check_f1(..., 5, 2, 0)


def test_a_uniform_model_has_the_vocabulary_size_as_perplexity():
    assert lesson07.check_uniform_perplexity(49152, 49152)
    assert not lesson07.check_uniform_perplexity(10.8, 49152)     # log V, not exp(log V)
    assert not lesson07.check_uniform_perplexity(..., 49152)
