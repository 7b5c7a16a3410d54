"""The office's review site: an index of bureau-years and one page per report version (``gongkai review``)."""

from review.site import write_site

__all__ = ["write_site"]
