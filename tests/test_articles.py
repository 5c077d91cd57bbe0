"""restore.articles: the article written before a garbled word speaks for its original."""
from restore.articles import DISAGREE, disagreement
from restore.lattice import Lattice, tables
from restore.learn import count_context
from restore.model import Channel, ContextModel, Model
from restore.tokenize import split_words


def test_an_article_the_context_model_never_counted_still_rules_out_originals_of_the_other_kind():
    context = ContextModel.from_counts(*count_context(["a white toy. the glow was white. " * 5]), min_trigram=1)
    assert "an" not in context.ids
    model = Model(Channel(originals={"albescent": (("white", -0.1),)}), context)
    doc = Lattice(split_words("an albescent glow"), tables(model))
    assert disagreement(doc, model).tolist() == [0.0, -DISAGREE]     # keep "albescent"; "white" takes "a"
